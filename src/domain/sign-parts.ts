// Uploads whose client declares every part's MD5: record progress, sign one
// part with its MD5 bound in, or hand out the commit request with its body.
// Everything is checked before anything is written.
import { assertCanManage, type Access } from './access.js';
import type { DomainContext } from './context.js';
import { errors } from './errors.js';
import { plannedPartSize } from './part-plan.js';
import type { SignedCommit, SignedRequest } from './ports.js';
import { assertAllowed } from './state-machine.js';
import type { Storage } from './storages.js';
import type { UploadRecord } from './upload.js';

/** What a client reports along with a request for a signature. */
export interface Progress {
  /** The store's multipart upload id, when the client initiated it. */
  resumableId?: string;
  /** Parts the client believes are done. */
  partList?: number[];
  /** Parts with the MD5 the client computed: canonical base64, and as the client wrote it. */
  partData?: Array<{ part: number; md5?: string; reported?: string }>;
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

/** The multipart upload id this request will run under: the recorded one, else the one reported now. */
function effectiveResumableId(record: UploadRecord, progress: Progress | undefined): string | undefined {
  return progress?.resumableId ?? record.resumableId;
}

function assertMultipart(record: UploadRecord, storage: Storage, progress: Progress | undefined, what: string): void {
  if (record.kind === 'direct') throw errors.badRequest(`upload ${record.id} is a direct upload: it has no ${what}, PUT the whole file then finalize`);
  if (!storage.store.capabilities.needsInitiation) return;
  if (effectiveResumableId(record, progress) === undefined) {
    throw errors.conflict(`upload ${record.id} has no multipart upload id yet: send the initiation request and report the id it answers`);
  }
  // The parts signed so far belong to the recorded multipart upload: another id would strand them.
  if (record.resumableId !== undefined && progress?.resumableId !== undefined && progress.resumableId !== record.resumableId) {
    throw errors.conflict(`upload ${record.id} runs under another multipart upload id; it cannot change once reported`);
  }
}

/** Where the store binds each part's length the parts must follow the plan; elsewhere the store's own limit applies. */
function lastPartNumber(record: UploadRecord, storage: Storage): number {
  return storage.store.capabilities.bindsPartLength ? record.partCount : storage.store.capabilities.limits.maxParts;
}

/** Apply a progress report; returns the record as it now stands. */
async function recordProgress(ctx: DomainContext, record: UploadRecord, progress: Progress): Promise<UploadRecord> {
  const now = ctx.clock.now();
  const reported = new Map<number, { part: number; md5?: string; reported?: string }>();
  for (const part of progress.partList ?? []) reported.set(part, { part });
  for (const entry of progress.partData ?? []) reported.set(entry.part, entry);
  if (reported.size > 0) {
    const result = await ctx.repo.markPartsDone(record.id, [...reported.values()]);
    if (result.conflicts.length > 0) {
      throw errors.conflict(`the MD5 reported for part(s) ${result.conflicts.join(', ')} differs from the MD5 signed for them; sign the part again`);
    }
  }
  const changes = { updatedAt: now, expiresAt: now + ctx.limits.uploadTtlMinutes * 60_000, ...(progress.resumableId === undefined ? {} : { resumableId: progress.resumableId }) };
  return (await ctx.repo.update(record.id, changes)) ?? record;
}

export interface PartRequest {
  part: number;
  /** Canonical base64 MD5 of the part's bytes: signed into the URL, so the store enforces it. */
  md5: string;
  progress?: Progress;
}

/** Sign part N (recording its MD5 as the truth for that part). */
export async function signPart(ctx: DomainContext, access: Access, id: string, request: PartRequest): Promise<{ record: UploadRecord; signature: SignedRequest }> {
  const { record: loaded, storage } = await loadOpen(ctx, access, id);
  const { capabilities } = storage.store;
  assertMultipart(loaded, storage, request.progress, 'parts');
  const maxParts = lastPartNumber(loaded, storage);
  if (!Number.isInteger(request.part) || request.part < 1 || request.part > maxParts) {
    throw errors.badRequest(`the part number must be an integer from 1 to ${maxParts}`);
  }
  const record = request.progress ? await recordProgress(ctx, loaded, request.progress) : loaded;
  // The planned size is only binding where the store can enforce it.
  const size = capabilities.bindsPartLength && record.fileSize !== undefined ? plannedPartSize(record, record.fileSize, request.part) : undefined;
  await ctx.repo.recordPartSignature(id, { part: request.part, md5: request.md5, done: false, ...(size === undefined ? {} : { size }) });
  if (record.state === 'pending') await ctx.repo.transition(id, ['pending'], 'uploading', ctx.clock.now());
  const signature = await storage.store.presignPart({
    key: record.objectKey,
    part: request.part,
    md5: request.md5,
    expiresInSeconds: ctx.limits.partUrlExpirySeconds,
    ...(record.resumableId === undefined ? {} : { resumableId: record.resumableId }),
    ...(size === undefined ? {} : { size }),
  });
  return { record: { ...record, state: 'uploading' }, signature };
}

/** The commit request and its body, built from the recorded part MD5s. */
export async function prepareCommit(ctx: DomainContext, access: Access, id: string, progress?: Progress): Promise<{ record: UploadRecord; signature: SignedCommit }> {
  const { record: loaded, storage } = await loadOpen(ctx, access, id);
  assertMultipart(loaded, storage, progress, 'commit');
  // Every check before anything is written: a refused finish changes nothing.
  const parts = await ctx.repo.listParts(id);
  if (parts.length === 0) throw errors.conflict(`upload ${id} has no parts signed yet`);
  const missing = firstGap(parts.map((p) => p.part)) ?? (storage.store.capabilities.bindsPartLength && parts.length < loaded.partCount ? parts.length + 1 : undefined);
  if (missing !== undefined) throw errors.conflict(`part ${missing} of upload ${id} was never signed; upload it before finishing`);
  const record = progress ? await recordProgress(ctx, loaded, progress) : loaded;
  const signature = await storage.store.presignCommit({
    key: record.objectKey,
    parts: parts.map((p) => ({ part: p.part, md5: p.md5 })),
    mime: record.mime,
    expiresInSeconds: ctx.limits.partUrlExpirySeconds,
    ...(record.fileMd5 === undefined ? {} : { fileMd5: record.fileMd5 }),
    ...(record.resumableId === undefined ? {} : { resumableId: record.resumableId }),
  });
  return { record, signature };
}

/** The first missing number in 1..max(parts), if any. */
export function firstGap(sortedParts: number[]): number | undefined {
  for (const [index, part] of sortedParts.entries()) if (part !== index + 1) return index + 1;
  return undefined;
}
