// The last step of every upload: the store shows the object the broker
// recorded, by the store's own evidence; the object is sealed against any
// request signed before; only then is the upload complete — and, once
// complete, its object counted, its digest indexed for dedupe, and (when
// temporary) its deletion scheduled.
import type { DomainContext } from './context.js';
import { errors } from './errors.js';
import { emitUploadEvent } from './events.js';
import { settleQuota } from './quotas.js';
import type { ExpectedObject } from './ports.js';
import { STATES_BEFORE_COMPLETE } from './state-machine.js';
import type { DigestCheck, PartRecord, UploadRecord } from './upload.js';

/** What the store must hold, from the record and its parts. */
export function expectedObject(record: UploadRecord, parts: PartRecord[], size: number): ExpectedObject {
  return {
    key: record.objectKey,
    size,
    kind: record.kind,
    parts: parts.map((p) => ({ part: p.part, md5: p.md5 })),
    partSizes: new Map(parts.flatMap((p) => (p.size === undefined ? [] : [[p.part, p.size] as const]))),
    ...(record.fileMd5 === undefined ? {} : { fileMd5: record.fileMd5 }),
  };
}

/**
 * Asks the store to verify the object against the record (size as declared, or
 * `size` when the record learned it from the store), then completes it.
 * A failed check changes nothing: the upload stays resumable.
 */
export async function markVerified(ctx: DomainContext, record: UploadRecord, parts: PartRecord[], size = record.fileSize): Promise<UploadRecord> {
  if (size === undefined) throw errors.conflict(`upload ${record.id} has no known size to verify`);
  const storage = ctx.storages.byId(record.storageId);
  const verdict = await storage.store.verifyObject(expectedObject(record, parts, size));
  if (!verdict.ok) throw errors.verificationFailed(`upload ${record.id} is not complete: ${verdict.reason}`);
  // A store that read the object back to judge it (Azure blocks) proved its SHA-256 too.
  return markComplete(ctx, record, { fileSize: verdict.size, ...(verdict.sha256 === undefined ? {} : { sha256: verdict.sha256, digestCheck: 'read-back' as const }) });
}

export interface Established {
  fileSize?: number;
  sha256?: string;
  digestCheck?: DigestCheck;
}

/** Seals the verified object, records what was established, and moves the upload to complete; a concurrent abort wins and is reported. */
export async function markComplete(ctx: DomainContext, record: UploadRecord, established: Established = {}): Promise<UploadRecord> {
  const storage = ctx.storages.byId(record.storageId);
  await storage.store.sealObject({ key: record.objectKey });
  const now = ctx.clock.now();
  const deleteAt = record.temporary ? now + ctx.limits.temporaryTtlMinutes * 60_000 : undefined;
  const changes = {
    ...(established.fileSize === undefined || record.fileSize !== undefined ? {} : { fileSize: established.fileSize }),
    ...(established.sha256 === undefined ? {} : { sha256: established.sha256 }),
    ...(established.digestCheck === undefined ? {} : { digestCheck: established.digestCheck }),
    ...(deleteAt === undefined ? {} : { deleteAt }),
  };
  if (Object.keys(changes).length > 0) await ctx.repo.update(record.id, changes);
  const moved = await ctx.repo.transition(record.id, STATES_BEFORE_COMPLETE, 'complete', now);
  const latest = await ctx.repo.get(record.id);
  if (!moved && latest?.state !== 'complete') throw errors.conflict(`upload ${record.id} changed state while it was being verified`);
  const complete = latest ?? { ...record, ...changes, state: 'complete' as const, updatedAt: now };
  if (moved) {
    await afterComplete(ctx, complete);
    await emitUploadEvent(ctx, 'upload.completed', complete);
  }
  return complete;
}

/** Only the call that moved the upload does these, once. */
async function afterComplete(ctx: DomainContext, record: UploadRecord): Promise<void> {
  await settleQuota(ctx, record);
  await ctx.repo.retainObject(record.storageId, record.objectKey);
  if (record.sha256 !== undefined && record.fileSize !== undefined && record.digestCheck !== undefined && record.digestCheck !== 'declared') {
    await ctx.repo.indexBlob({ storageId: record.storageId, tenant: record.tenant, sha256: record.sha256 }, record.id);
  }
  if (record.deleteAt !== undefined) await ctx.repo.schedule(record.id, record.deleteAt);
  else await ctx.repo.unschedule(record.id);
}
