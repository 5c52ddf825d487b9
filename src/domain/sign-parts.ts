// Uploads whose client declares every part's MD5: record progress, sign one
// part with its MD5 bound in, or hand out the commit request with its body.
// Everything is checked before anything is written.
import { assertCanManage, type Access } from './access.js';
import type { DomainContext } from './context.js';
import { errors } from './errors.js';
import { plannedPartSize } from './part-plan.js';
import { reportedParts } from './reported-parts.js';
import type { DoneReport, SignedCommit, SignedRequest } from './ports.js';
import { checkedRecord, md5Conflict, recordSignedStep } from './signing-step.js';
import { assertAllowed, STATES_BEFORE_COMPLETE } from './state-machine.js';
import type { Storage } from './storages.js';
import type { PartRecord, UploadRecord } from './upload.js';

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
async function recordProgress(ctx: DomainContext, record: UploadRecord, progress: Progress, listed?: PartRecord[]): Promise<UploadRecord> {
  const now = ctx.clock.now();
  const reported = listed ? newsAgainst(listed, reportedParts(progress)) : reportedParts(progress);
  if (reported.length > 0) {
    const result = await ctx.repo.markPartsDone(record.id, reported);
    if (result.conflicts.length > 0) throw md5Conflict(result.conflicts);
  }
  const changes = { updatedAt: now, expiresAt: now + ctx.limits.uploadTtlMinutes * 60_000, ...(progress.resumableId === undefined ? {} : { resumableId: progress.resumableId }) };
  return (await ctx.repo.update(record.id, changes)) ?? record;
}

/**
 * The reports that would change something in the parts just listed: a finish repeats every
 * part the client sent, most of them reported done before. A conflicting MD5 refuses the
 * report here, before anything is written; reports of parts never signed are ignored (as the
 * repository ignores them); the rest still go through the repository's atomic check.
 */
function newsAgainst(listed: PartRecord[], reported: DoneReport[]): DoneReport[] {
  const conflicts: number[] = [];
  const news = reported.filter((report) => {
    // The finish has checked the parts run 1..N without a gap: part n is at n - 1.
    const part = listed[report.part - 1];
    if (part?.part !== report.part) return false;
    if (report.md5 !== undefined && report.md5 !== part.md5) conflicts.push(report.part);
    return !part.done || (report.reported !== undefined && report.reported !== part.reported);
  });
  if (conflicts.length > 0) throw md5Conflict(conflicts);
  return news;
}

export interface PartRequest {
  part: number;
  /** Canonical base64 MD5 of the part's bytes: signed into the URL, so the store enforces it. */
  md5: string;
  progress?: Progress;
}

/** Every check a part signature needs, against this copy of the record. */
function checkedForSigning(ctx: DomainContext, access: Access, id: string, record: UploadRecord | undefined, request: PartRequest): Loaded {
  assertCanManage(access, record, id);
  assertAllowed(record, 'sign', ctx.clock.now());
  const storage = ctx.storages.byId(record.storageId);
  assertMultipart(record, storage, request.progress, 'parts');
  const maxParts = lastPartNumber(record, storage);
  if (!Number.isInteger(request.part) || request.part < 1 || request.part > maxParts) {
    throw errors.badRequest(`the part number must be an integer from 1 to ${maxParts}`);
  }
  return { record, storage };
}

/** The planned size is only binding where the store can enforce it. */
function boundSize(record: UploadRecord, storage: Storage, part: number): number | undefined {
  return storage.store.capabilities.bindsPartLength && record.fileSize !== undefined ? plannedPartSize(record, record.fileSize, part) : undefined;
}

/** Sign part N (recording its MD5 as the truth for that part): one round trip to the state store. */
export async function signPart(ctx: DomainContext, access: Access, id: string, request: PartRequest): Promise<{ record: UploadRecord; signature: SignedRequest }> {
  const check = (record: UploadRecord | undefined) => checkedForSigning(ctx, access, id, record, request);
  const { record: known, storage } = await checkedRecord(ctx, id, check);
  const size = boundSize(known, storage, request.part);
  const now = ctx.clock.now();
  const { progress } = request;
  const record = await recordSignedStep(ctx, known, {
    expect: { tenant: known.tenant, owner: known.owner, uploadToken: known.uploadToken, states: STATES_BEFORE_COMPLETE },
    requireResumableId: storage.store.capabilities.needsInitiation,
    done: reportedParts(progress),
    parts: [{ part: request.part, md5: request.md5, done: false, ...(size === undefined ? {} : { size }) }],
    ...(progress ? { touch: { updatedAt: now, expiresAt: now + ctx.limits.uploadTtlMinutes * 60_000, ...(progress.resumableId === undefined ? {} : { resumableId: progress.resumableId }) } } : {}),
  }, check);
  const signature = await storage.store.presignPart({
    key: record.objectKey,
    part: request.part,
    md5: request.md5,
    expiresInSeconds: ctx.limits.partUrlExpirySeconds,
    ...(record.resumableId === undefined ? {} : { resumableId: record.resumableId }),
    ...(size === undefined ? {} : { size }),
  });
  return { record, signature };
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
  const record = progress ? await recordProgress(ctx, loaded, progress, parts) : loaded;
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
