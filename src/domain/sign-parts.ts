// PATCH /:id and GET /:id/edit: record progress, sign one part, or hand out
// the commit request with its body.
import { assertCanManage, type Access } from './access.js';
import type { DomainContext } from './context.js';
import { errors } from './errors.js';
import { requireMd5 } from './md5.js';
import { plannedPartSize, STORE_LIMITS } from './part-plan.js';
import { assertAllowed } from './state-machine.js';
import type { Storage } from './storages.js';
import type { SignedCommit, SignedRequest } from '../stores/blob-store.js';
import type { UploadRecord } from './upload.js';

/** What a client reports with a PATCH (PlaceOS UpdateInfo). */
export interface Progress {
  resumableId?: string;
  /** Parts the client believes are done. */
  partList?: number[];
  /** Parts with the MD5 the client computed (base64 or hex). */
  partData?: Array<{ part: number; md5?: string; md5Hex?: string }>;
}

interface Loaded {
  record: UploadRecord;
  storage: Storage;
}

async function loadOpen(ctx: DomainContext, access: Access, id: string): Promise<Loaded> {
  const record = await ctx.repo.get(id);
  assertCanManage(access, record, id);
  assertAllowed(record, 'sign', ctx.clock.now());
  return { record, storage: ctx.storages.byId(record.storageId) };
}

/** Apply a PATCH's progress report; returns the record as it now stands. */
async function recordProgress(ctx: DomainContext, record: UploadRecord, progress: Progress): Promise<UploadRecord> {
  const now = ctx.clock.now();
  const reported = new Map<number, string | undefined>();
  for (const part of progress.partList ?? []) reported.set(part, undefined);
  for (const entry of progress.partData ?? []) {
    const given = [entry.md5, entry.md5Hex].filter((v): v is string => v !== undefined).map((v) => requireMd5(v, `part_data[${entry.part}].md5`));
    if (given.length === 2 && given[0] !== given[1]) throw errors.badRequest(`part_data for part ${entry.part} gives two different MD5s`);
    reported.set(entry.part, given[0]);
  }
  if (reported.size > 0) {
    const result = await ctx.repo.markPartsDone(record.id, [...reported].map(([part, md5]) => (md5 === undefined ? { part } : { part, md5 })));
    if (result.conflicts.length > 0) {
      throw errors.conflict(`part_data MD5 for part(s) ${result.conflicts.join(', ')} differs from the MD5 signed for them; sign the part again`);
    }
  }
  const changes = { updatedAt: now, expiresAt: now + ctx.limits.uploadTtlMinutes * 60_000, ...(progress.resumableId === undefined ? {} : { resumableId: progress.resumableId }) };
  return (await ctx.repo.update(record.id, changes)) ?? record;
}

export interface PartRequest {
  part: number;
  /** MD5 of the part's bytes, base64 or hex: signed into the URL, so the store enforces it. */
  md5: string;
  progress?: Progress;
}

/** Sign part N (recording its MD5 as the truth for that part). */
export async function signPart(ctx: DomainContext, access: Access, id: string, request: PartRequest): Promise<{ record: UploadRecord; signature: SignedRequest }> {
  const loaded = await loadOpen(ctx, access, id);
  const record = request.progress ? await recordProgress(ctx, loaded.record, request.progress) : loaded.record;
  const { storage } = loaded;
  if (record.kind === 'direct') throw errors.badRequest(`upload ${id} is a direct upload: it has no parts, PUT the whole file`);
  const maxParts = STORE_LIMITS[storage.type].maxParts;
  if (!Number.isInteger(request.part) || request.part < 1 || request.part > maxParts) {
    throw errors.badRequest(`part must be an integer from 1 to ${maxParts}`);
  }
  if (storage.type === 's3' && record.resumableId === undefined) {
    throw errors.conflict(`upload ${id} has no resumable_id yet: send the multipart initiation and report its UploadId as resumable_id`);
  }
  const md5 = requireMd5(request.md5, 'file_id');
  // The planned size is only binding where the store enforces it (S3 Content-Length); Azure SAS cannot bind headers.
  const size = storage.type === 's3' ? plannedPartSize(record, record.fileSize, request.part) : undefined;
  await ctx.repo.recordPartSignature(id, { part: request.part, md5, done: false, ...(size === undefined ? {} : { size }) });
  if (record.state === 'pending') await ctx.repo.transition(id, ['pending'], 'uploading', ctx.clock.now());
  const signature = await storage.store.presignPart({
    key: record.objectKey,
    part: request.part,
    md5,
    expiresInSeconds: ctx.limits.partUrlExpirySeconds,
    ...(record.resumableId === undefined ? {} : { resumableId: record.resumableId }),
    ...(size === undefined ? {} : { size }),
  });
  return { record: { ...record, state: 'uploading' }, signature };
}

/** The commit request and its body, built from the recorded part MD5s. */
export async function prepareCommit(ctx: DomainContext, access: Access, id: string, progress?: Progress): Promise<{ record: UploadRecord; signature: SignedCommit }> {
  const loaded = await loadOpen(ctx, access, id);
  const record = progress ? await recordProgress(ctx, loaded.record, progress) : loaded.record;
  if (record.kind === 'direct') throw errors.badRequest(`upload ${id} is a direct upload: there is no commit, PUT the file then finalize`);
  if (loaded.storage.type === 's3' && record.resumableId === undefined) throw errors.conflict(`upload ${id} has no resumable_id yet`);
  const parts = await ctx.repo.listParts(id);
  const missing = firstGap(parts.map((p) => p.part));
  if (parts.length === 0) throw errors.conflict(`upload ${id} has no parts signed yet`);
  if (missing !== undefined) throw errors.conflict(`part ${missing} of upload ${id} was never signed; upload it before finishing`);
  const signature = await loaded.storage.store.presignCommit({
    key: record.objectKey,
    parts: parts.map((p) => ({ part: p.part, md5: p.md5 })),
    fileMd5: record.fileMd5,
    mime: record.mime,
    expiresInSeconds: ctx.limits.partUrlExpirySeconds,
    ...(record.resumableId === undefined ? {} : { resumableId: record.resumableId }),
  });
  return { record, signature };
}

/** The first missing number in 1..max(parts), if any. */
function firstGap(sortedParts: number[]): number | undefined {
  for (const [index, part] of sortedParts.entries()) if (part !== index + 1) return index + 1;
  return undefined;
}

