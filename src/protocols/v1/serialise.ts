// Domain → API v1 wire shapes (snake_case, as the issue and seeds 000–002 name them;
// the session shapes keep seed 002's camelCase).
import type { SessionBlob, SignedRequest, UploadSession } from '../../domain/ports.js';
import type { SessionBlobState } from '../../domain/sessions.js';
import type { UploadRecord, UploadState } from '../../domain/upload.js';

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export const strategyOf = (record: UploadRecord) => (record.kind === 'direct' ? 'single' : 'multipart');

export function wireInitiated(record: UploadRecord) {
  return { id: record.id, upload_token: record.uploadToken, strategy: strategyOf(record), part_size: record.partSize, part_count: record.partCount, expires_at: iso(record.expiresAt) };
}

export function wireBlob(record: UploadRecord) {
  return { sha256: record.sha256 ?? null, size: record.fileSize ?? 0, mime: record.mime, key: record.objectKey };
}

export function wirePresent(record: UploadRecord) {
  return { id: record.id, already_present: true, blob: wireBlob(record) };
}

export function wirePart(number: number, signature: SignedRequest, expiresAt: number, checks: Record<string, string>) {
  return { number, method: signature.verb, url: signature.url, headers: signature.headers, expires_at: iso(expiresAt), checks };
}

export function wireRecord(record: UploadRecord, state: UploadState, storedBytes?: number) {
  return {
    id: record.id,
    filename: record.fileName,
    size: record.fileSize ?? null,
    sha256: record.sha256 ?? null,
    verified: record.digestCheck ?? null,
    integrity: record.integrity,
    mime: record.mime,
    state,
    strategy: strategyOf(record),
    part_size: record.partSize,
    part_count: record.partCount,
    temporary: record.temporary,
    storage_id: record.storageId,
    tags: record.tags,
    session_id: record.sessionId ?? null,
    created_at: iso(record.createdAt),
    expires_at: state === 'complete' ? null : iso(record.expiresAt),
    delete_at: iso(record.deleteAt),
    ...(storedBytes === undefined ? {} : { stored_bytes: storedBytes }),
    ...(record.readBackBytes === undefined ? {} : { read_back_bytes: record.readBackBytes }),
  };
}

function wireSessionUpload(blob: SessionBlob, record: UploadRecord | undefined) {
  if (blob.alreadyPresent || !record) return {};
  return { upload: { id: record.id, strategy: strategyOf(record), part_size: record.partSize, part_count: record.partCount } };
}

export function wireSessionCreated(session: UploadSession, uploads: Map<string, UploadRecord>) {
  return {
    uploadSessionId: session.id,
    uploadToken: session.token,
    expires_at: iso(session.expiresAt),
    blobs: session.blobs.map((blob) => ({ sha256: blob.sha256, size: blob.size, alreadyPresent: blob.alreadyPresent, id: blob.uploadId, ...wireSessionUpload(blob, uploads.get(blob.sha256)) })),
  };
}

export function wireSession(session: UploadSession, blobs: SessionBlobState[]) {
  return {
    uploadSessionId: session.id,
    state: session.state,
    expires_at: iso(session.expiresAt),
    blobs: blobs.map(({ blob, record, state }) => ({ sha256: blob.sha256, size: blob.size, alreadyPresent: blob.alreadyPresent, id: blob.uploadId, state, ...wireSessionUpload(blob, record) })),
  };
}
