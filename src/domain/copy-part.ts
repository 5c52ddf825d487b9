// A part copied from a range of a blob the store already holds (seed 004):
// a content manager composes a new file — a trimmed video, a playlist bundle —
// from pieces of stored ones, and no client byte moves. The caller must be able
// to read the source (the same rules as a download: else 404); source and
// target share a storage; the range is seed 004's: one range, both ends given,
// starting on a MiB boundary, inside the source, and exactly the target part's
// planned size.
import { canRead, type Access } from './access.js';
import { loadOpen } from './blob-uploads.js';
import { readableBlob } from './blob-read.js';
import type { DomainContext } from './context.js';
import { errors } from './errors.js';
import { plannedPartSize } from './part-plan.js';
import type { UploadRecord } from './upload.js';

const MiB = 1024 * 1024;

export type CopySource = { sha256: string } | { uploadId: string };

/** `bytes=<first>-<last>`, both ends given, one range; 400 naming the rule otherwise. */
export function parseRange(text: string): { first: number; last: number } {
  const match = /^bytes=(\d{1,16})-(\d{1,16})$/.exec(text);
  if (!match) throw errors.badRequest('range must be one range with both ends: bytes=<first>-<last>');
  const first = Number(match[1]);
  const last = Number(match[2]);
  if (last < first) throw errors.badRequest(`range ${text} ends before it starts`);
  if (first % MiB !== 0) throw errors.badRequest(`range ${text} must start on a multiple of 1 MiB (${MiB} bytes)`);
  return { first, last };
}

async function readableSource(ctx: DomainContext, access: Access, source: CopySource): Promise<UploadRecord> {
  if ('sha256' in source) return readableBlob(ctx, access, source.sha256);
  const record = await ctx.repo.get(source.uploadId);
  if (!record || record.state !== 'complete' || !canRead(access, record)) throw errors.notFound(`no source upload ${JSON.stringify(source.uploadId)} you may read`);
  return record;
}

/** Copies the range into part `number` and records the part with the MD5 the store reports. */
export async function copyPart(ctx: DomainContext, access: Access, id: string, number: number, input: { source: CopySource; range: string }): Promise<{ number: number; size: number; md5?: string }> {
  const target = await loadOpen(ctx, access, id);
  if (target.kind !== 'chunked') throw errors.badRequest(`upload ${id} is a single upload: only the parts of a multipart upload can be copied`);
  const size = plannedPartSize(target, target.fileSize ?? 0, number);
  if (size === undefined) throw errors.badRequest(`part ${number} is outside this upload's plan: parts 1 to ${target.partCount}`);
  const { first, last } = parseRange(input.range);
  // The caller's right to read the source comes before anything about it is told.
  const source = await readableSource(ctx, access, input.source);
  if (source.storageId !== target.storageId) throw errors.conflict(`the source is in storage ${source.storageId} and this upload in ${target.storageId}: a store copies only within itself`);
  if (last >= (source.fileSize ?? 0)) throw errors.badRequest(`range bytes=${first}-${last} is outside the source, which has ${source.fileSize ?? 0} bytes`);
  if (last - first + 1 !== size) throw errors.badRequest(`part ${number} of this upload is ${size} bytes by its plan; the range has ${last - first + 1}`);
  const storage = ctx.storages.byId(target.storageId);
  const copied = await storage.store.copyPart({ key: target.objectKey, part: number, sourceKey: source.objectKey, first, last, ...(target.resumableId === undefined ? {} : { resumableId: target.resumableId }) });
  if (copied.md5 !== undefined) await ctx.repo.recordPartSignature(id, { part: number, md5: copied.md5, size, done: true, checks: { md5: 'enforced' } });
  const now = ctx.clock.now();
  await ctx.repo.update(id, { updatedAt: now, expiresAt: now + ctx.limits.uploadTtlMinutes * 60_000 });
  if (target.state === 'pending') await ctx.repo.transition(id, ['pending'], 'uploading', now);
  return { number, size, ...(copied.md5 === undefined ? {} : { md5: copied.md5 }) };
}
