// Create an upload whose client declares the whole file's MD5, or continue the
// caller's unfinished upload of the same file (same owner, name, size and MD5).
import mime from 'mime-types';
import { requireUser, type Access } from './access.js';
import type { DomainContext } from './context.js';
import { createRecord } from './events.js';
import { withQuota } from './quotas.js';
import { objectKeyFor, sanitiseFileName } from './file-policy.js';
import { md5Hex } from './md5.js';
import { planParts, type PartPlan } from './part-plan.js';
import type { DoneReport, SignedRequest } from './ports.js';
import { isResumable } from './state-machine.js';
import type { Storage } from './storages.js';
import type { ConfirmedPart, Integrity, Permissions, UploadKind, UploadRecord } from './upload.js';

export interface CreateInput {
  fileName: string;
  fileSize: number;
  /** Canonical base64 MD5 of the whole file. */
  fileMd5: string;
  mime?: string;
  filePath?: string;
  permissions?: Permissions;
  public?: boolean;
  /** Minutes the direct-upload signature stays valid (capped). */
  expiresMinutes?: number;
  tags?: string[];
  cacheEtag?: string;
  cacheModified?: string;
  storageId?: string;
}

export type CreateOutcome =
  | { kind: 'new'; record: UploadRecord; storage: Storage; signature: SignedRequest }
  | { kind: 'resume'; record: UploadRecord; storage: Storage; doneParts: ConfirmedPart[]; signature: SignedRequest };

export interface FileFacts {
  fileName: string;
  fileSize: number;
  mime?: string;
  storageId?: string;
  /** A part size the client asks for, checked against the storage's part policy. */
  partSize?: number;
}

/** Which storage would take this file, and the plan it would get. Refuses before anything is signed. */
export function planFor(ctx: DomainContext, access: Access, file: FileFacts): { storage: Storage; plan: PartPlan } {
  const caller = requireUser(access);
  const fileName = sanitiseFileName(file.fileName);
  const storage = ctx.storages.choose(caller, { fileName, fileSize: file.fileSize, ...(file.mime === undefined ? {} : { mime: file.mime }) }, file.storageId);
  return { storage, plan: planParts(file.fileSize, storage.store.capabilities.limits, ctx.limits.directUploadThreshold, storage.partPolicy, file.partSize) };
}

/** The mime type the client gave, else the one its extension implies. */
export function mimeFor(fileName: string, given: string | undefined): string {
  return (given ?? (mime.lookup(fileName) || 'application/octet-stream')).toLowerCase();
}

export interface NewRecordInput {
  access: Access;
  storage: Storage;
  fileName: string;
  mime: string;
  kind: UploadKind;
  integrity: Integrity;
  fileSize?: number;
  fileMd5?: string;
  sha256?: string;
  temporary?: boolean;
  sessionId?: string;
  /** The upload token (a session's uploads share the session's); a new one when absent. */
  uploadToken?: string;
  plan?: PartPlan;
  extra?: Partial<Pick<UploadRecord, 'filePath' | 'permissions' | 'public' | 'tags' | 'cacheEtag' | 'cacheModified'>>;
}

/** A new record in state pending, with a broker-chosen object key; not yet stored. */
export function newRecord(ctx: DomainContext, input: NewRecordInput): UploadRecord {
  const caller = requireUser(input.access);
  const now = ctx.clock.now();
  const { extra = {} } = input;
  return {
    id: ctx.ids.uploadId(),
    owner: caller.user,
    tenant: caller.tenant,
    storageId: input.storage.id,
    objectKey: objectKeyFor(caller.tenant, ctx.ids.objectName(), input.fileName),
    fileName: input.fileName,
    mime: input.mime,
    permissions: extra.permissions ?? 'none',
    // PlaceOS's server defaults to public; private is the safe default.
    public: extra.public ?? false,
    tags: extra.tags ?? [],
    state: 'pending',
    kind: input.kind,
    integrity: input.integrity,
    temporary: input.temporary ?? false,
    partSize: input.plan?.partSize ?? 0,
    partCount: input.plan?.partCount ?? 0,
    createdAt: now,
    updatedAt: now,
    expiresAt: now + ctx.limits.uploadTtlMinutes * 60_000,
    uploadToken: input.uploadToken ?? ctx.ids.uploadToken(),
    ...(input.sha256 === undefined ? {} : { sha256: input.sha256 }),
    ...(input.sessionId === undefined ? {} : { sessionId: input.sessionId }),
    ...(input.fileSize === undefined ? {} : { fileSize: input.fileSize }),
    ...(input.fileMd5 === undefined ? {} : { fileMd5: input.fileMd5 }),
    ...(extra.filePath === undefined ? {} : { filePath: extra.filePath }),
    ...(extra.cacheEtag === undefined ? {} : { cacheEtag: extra.cacheEtag }),
    ...(extra.cacheModified === undefined ? {} : { cacheModified: extra.cacheModified }),
  };
}

export async function createOrResume(ctx: DomainContext, access: Access, input: CreateInput): Promise<CreateOutcome> {
  const caller = requireUser(access);
  const fileName = sanitiseFileName(input.fileName);
  const mimeType = mimeFor(fileName, input.mime);
  const now = ctx.clock.now();

  const existingId = await ctx.repo.findByResumeKey({ tenant: caller.tenant, owner: caller.user, fileName, fileSize: input.fileSize, fileMd5: input.fileMd5 });
  const existing = existingId === undefined ? undefined : await ctx.repo.get(existingId);
  // A client that names another storage wants a new upload there, not the old one resumed.
  const sameStorage = input.storageId === undefined || existing?.storageId === input.storageId;
  if (existing && sameStorage && existing.owner === caller.user && existing.tenant === caller.tenant && isResumable(existing, now)) {
    return resume(ctx, existing, input.expiresMinutes);
  }

  const { storage, plan } = planFor(ctx, access, { fileName, fileSize: input.fileSize, mime: mimeType, ...(input.storageId === undefined ? {} : { storageId: input.storageId }) });
  const extra: NewRecordInput['extra'] = {};
  for (const field of ['filePath', 'permissions', 'public', 'tags', 'cacheEtag', 'cacheModified'] as const) {
    if (input[field] !== undefined) Object.assign(extra, { [field]: input[field] });
  }
  const record = newRecord(ctx, { access, storage, fileName, mime: mimeType, kind: plan.kind, integrity: 'store-md5', fileSize: input.fileSize, fileMd5: input.fileMd5, plan, extra });
  // The user's cap and the tenant's quota first: a refused create signs and stores nothing.
  return withQuota(ctx, record, { unfinished: true }, async () => {
    const signature = await initialSignature(ctx, storage, record, input.expiresMinutes);
    await createRecord(ctx, record);
    return { kind: 'new' as const, record, storage, signature };
  });
}

/** The first request of an upload: the whole-file PUT, or the multipart initiation. */
async function initialSignature(ctx: DomainContext, storage: Storage, record: UploadRecord, expiresMinutes?: number): Promise<SignedRequest> {
  if (record.kind === 'direct') {
    const minutes = Math.min(expiresMinutes ?? 5, ctx.limits.maxUploadExpiryMinutes);
    // This flow always has both: createOrResume requires them.
    const md5 = record.fileMd5 ?? '';
    return storage.store.presignDirectPut({ key: record.objectKey, md5, size: record.fileSize ?? 0, mime: record.mime, expiresInSeconds: Math.max(1, Math.round(minutes * 60)) });
  }
  return storage.store.presignInit({ key: record.objectKey, mime: record.mime, expiresInSeconds: ctx.limits.partUrlExpirySeconds });
}

async function resume(ctx: DomainContext, record: UploadRecord, expiresMinutes?: number): Promise<CreateOutcome> {
  const storage = ctx.storages.byId(record.storageId);
  const now = ctx.clock.now();
  const touch = async () => (await ctx.repo.update(record.id, { updatedAt: now, expiresAt: now + ctx.limits.uploadTtlMinutes * 60_000 })) ?? record;
  // Nothing to list yet (a direct upload, or a multipart upload the client has not initiated): sign the first request again.
  if (record.kind === 'direct' || (storage.store.capabilities.needsInitiation && record.resumableId === undefined)) {
    const touched = await touch();
    return { kind: 'new', record: touched, storage, signature: await initialSignature(ctx, storage, touched, expiresMinutes) };
  }
  // The store is asked before the record is touched: a resume the store cannot answer (503)
  // leaves the upload exactly as it was (found by the store-outage fault test).
  const doneParts = await confirmDoneParts(ctx, storage, record);
  const touched = await touch();
  const signature = await storage.store.presignListParts({
    key: touched.objectKey,
    expiresInSeconds: ctx.limits.partUrlExpirySeconds,
    ...(touched.resumableId === undefined ? {} : { resumableId: touched.resumableId }),
  });
  return { kind: 'resume', record: touched, storage, doneParts, signature };
}

/**
 * The parts that are really done: signed by us AND held by the store (with the
 * signed MD5 where the store reports one). The client's own word is not enough:
 * PlaceOS returns whatever the client last claimed.
 */
async function confirmDoneParts(ctx: DomainContext, storage: Storage, record: UploadRecord): Promise<ConfirmedPart[]> {
  const [signed, held] = await Promise.all([
    ctx.repo.listParts(record.id),
    storage.store.listUploadedParts({ key: record.objectKey, expectedParts: record.partCount, ...(record.resumableId === undefined ? {} : { resumableId: record.resumableId }) }),
  ]);
  // Both ascending by part number: one walk along the two lists (a resume compares 10,000).
  // Each part's hex is made once, for the comparison and for the answer.
  let next = 0;
  const done: ConfirmedPart[] = [];
  const news: DoneReport[] = [];
  for (const part of signed) {
    while (next < held.length && (held[next]?.part ?? 0) < part.part) next++;
    const stored = held[next];
    if (stored?.part !== part.part) continue;
    const hex = md5Hex(part.md5);
    if (stored.md5Hex !== undefined && stored.md5Hex !== hex) continue;
    if (part.size !== undefined && stored.size !== part.size) continue;
    done.push({ ...part, done: true, md5Hex: hex });
    // Only what this listing newly confirms: a resume of 10,000 parts the finish marked done writes nothing.
    if (!part.done) news.push({ part: part.part, md5: part.md5 });
  }
  if (news.length > 0) await ctx.repo.markPartsDone(record.id, news);
  return done;
}
