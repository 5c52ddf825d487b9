// An upload event as its webhook body (schemas/events/upload-event.ts): the domain's record
// mapped onto wire names, like a protocol's serialiser. Only what a receiver may see: the
// upload token and the store's multipart upload id stay in the broker.
import { randomBytes } from 'node:crypto';
import type { UploadEventBody } from '../../schemas/events/upload-event.js';
import type { UploadEvent } from '../domain/events.js';

/** 16 random bytes: unguessable and unique, so receivers can de-duplicate on it. */
export function newEventId(): string {
  return `evt_${randomBytes(16).toString('base64url')}`;
}

export function toEventBody(event: UploadEvent, id: string): UploadEventBody {
  const u = event.upload;
  return {
    id,
    type: event.type,
    created_at: new Date(event.occurredAt).toISOString(),
    upload: {
      id: u.id,
      tenant: u.tenant,
      owner: u.owner,
      storage_id: u.storageId,
      key: u.objectKey,
      file_name: u.fileName,
      mime: u.mime,
      state: u.state,
      kind: u.kind,
      integrity: u.integrity,
      temporary: u.temporary,
      tags: u.tags,
      created_at: new Date(u.createdAt).toISOString(),
      updated_at: new Date(u.updatedAt).toISOString(),
      ...(u.fileSize === undefined ? {} : { size: u.fileSize }),
      ...(u.fileMd5 === undefined ? {} : { md5: u.fileMd5 }),
      ...(u.sha256 === undefined ? {} : { sha256: u.sha256 }),
      ...(u.digestCheck === undefined ? {} : { digest_check: u.digestCheck }),
      ...(u.sessionId === undefined ? {} : { session_id: u.sessionId }),
    },
  };
}

/** What the worker needs of a queued body without trusting more of it. */
export function eventFacts(raw: string): { id: string; type: string; createdAt: number } {
  const body = JSON.parse(raw) as Partial<UploadEventBody>;
  return { id: String(body.id), type: String(body.type), createdAt: Date.parse(String(body.created_at)) };
}
