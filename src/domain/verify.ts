// The last step of every upload: the store shows the object the broker
// recorded, by the store's own evidence, and only then is the upload complete.
import type { DomainContext } from './context.js';
import { errors } from './errors.js';
import type { ExpectedObject } from './ports.js';
import { STATES_BEFORE_COMPLETE } from './state-machine.js';
import type { PartRecord, UploadRecord } from './upload.js';

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
 * `size` when the record learned it from the store), then marks it complete.
 * A failed check changes nothing: the upload stays resumable.
 */
export async function markVerified(ctx: DomainContext, record: UploadRecord, parts: PartRecord[], size = record.fileSize): Promise<UploadRecord> {
  if (size === undefined) throw errors.conflict(`upload ${record.id} has no known size to verify`);
  const storage = ctx.storages.byId(record.storageId);
  const verdict = await storage.store.verifyObject(expectedObject(record, parts, size));
  if (!verdict.ok) throw errors.verificationFailed(`upload ${record.id} is not complete: ${verdict.reason}`);
  if (record.fileSize === undefined) await ctx.repo.update(record.id, { fileSize: verdict.size });
  return markComplete(ctx, record);
}

/** Moves a verified upload to complete; a concurrent abort wins and is reported. */
export async function markComplete(ctx: DomainContext, record: UploadRecord): Promise<UploadRecord> {
  const now = ctx.clock.now();
  const moved = await ctx.repo.transition(record.id, STATES_BEFORE_COMPLETE, 'complete', now);
  const latest = await ctx.repo.get(record.id);
  if (!moved && latest?.state !== 'complete') throw errors.conflict(`upload ${record.id} changed state while it was being verified`);
  return latest ?? { ...record, state: 'complete', updatedAt: now };
}
