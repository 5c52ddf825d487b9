// POST /: start a new upload, or continue the caller's unfinished upload of
// the same file (PROTOCOL.md: same owner, name, size and file MD5).
import mime from 'mime-types';
import { requireUser, type Access } from './access.js';
import type { DomainContext } from './context.js';
import { objectKeyFor, sanitiseFileName } from './file-policy.js';
import { md5Hex, requireMd5 } from './md5.js';
import { planParts, type PartPlan } from './part-plan.js';
import { isResumable } from './state-machine.js';
import type { Storage } from './storages.js';
import type { SignedRequest } from '../stores/blob-store.js';
import type { Permissions, PartRecord, UploadRecord } from './upload.js';

export interface CreateInput {
  fileName: string;
  fileSize: number;
  /** Whole-file MD5, base64 or hex. */
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
  | { kind: 'resume'; record: UploadRecord; storage: Storage; doneParts: PartRecord[]; signature: SignedRequest };

/** GET /new: which storage would take this file, and the plan it would get. Refuses before anything is signed. */
export function residenceFor(ctx: DomainContext, access: Access, file: { fileName: string; fileSize: number; mime?: string; storageId?: string }): { storage: Storage; plan: PartPlan } {
  const caller = requireUser(access);
  const fileName = sanitiseFileName(file.fileName);
  const storage = ctx.storages.choose(caller, { fileName, fileSize: file.fileSize, ...(file.mime === undefined ? {} : { mime: file.mime }) }, file.storageId);
  return { storage, plan: planParts(file.fileSize, storage.type, ctx.limits.directUploadThreshold) };
}

export async function createOrResume(ctx: DomainContext, access: Access, input: CreateInput): Promise<CreateOutcome> {
  const caller = requireUser(access);
  const fileName = sanitiseFileName(input.fileName);
  const fileMd5 = requireMd5(input.fileMd5, 'file_id');
  const mimeType = (input.mime ?? (mime.lookup(fileName) || 'application/octet-stream')).toLowerCase();
  const now = ctx.clock.now();

  const existingId = await ctx.repo.findByResumeKey({ tenant: caller.tenant, owner: caller.user, fileName, fileSize: input.fileSize, fileMd5 });
  const existing = existingId === undefined ? undefined : await ctx.repo.get(existingId);
  // A client that names another storage wants a new upload there, not the old one resumed.
  const sameStorage = input.storageId === undefined || existing?.storageId === input.storageId;
  if (existing && sameStorage && existing.owner === caller.user && existing.tenant === caller.tenant && isResumable(existing, now)) {
    return resume(ctx, existing, input.expiresMinutes);
  }

  const { storage, plan } = residenceFor(ctx, access, { fileName, fileSize: input.fileSize, mime: mimeType, ...(input.storageId === undefined ? {} : { storageId: input.storageId }) });
  const record: UploadRecord = {
    id: ctx.ids.uploadId(),
    owner: caller.user,
    tenant: caller.tenant,
    storageId: storage.id,
    objectKey: objectKeyFor(caller.tenant, ctx.ids.objectName(), fileName),
    fileName,
    fileSize: input.fileSize,
    mime: mimeType,
    fileMd5,
    permissions: input.permissions ?? 'none',
    // PlaceOS's server defaults to public; private is the safe default.
    public: input.public ?? false,
    tags: input.tags ?? [],
    state: 'pending',
    kind: plan.kind,
    partSize: plan.partSize,
    partCount: plan.partCount,
    createdAt: now,
    updatedAt: now,
    expiresAt: now + ctx.limits.uploadTtlMinutes * 60_000,
    uploadToken: ctx.ids.uploadToken(),
    ...(input.filePath === undefined ? {} : { filePath: input.filePath }),
    ...(input.cacheEtag === undefined ? {} : { cacheEtag: input.cacheEtag }),
    ...(input.cacheModified === undefined ? {} : { cacheModified: input.cacheModified }),
  };
  await ctx.repo.create(record);
  return { kind: 'new', record, storage, signature: await initialSignature(ctx, storage, record, input.expiresMinutes) };
}

/** The first request of an upload: the whole-file PUT, or the multipart initiation. */
async function initialSignature(ctx: DomainContext, storage: Storage, record: UploadRecord, expiresMinutes?: number): Promise<SignedRequest> {
  if (record.kind === 'direct') {
    const minutes = Math.min(expiresMinutes ?? 5, ctx.limits.maxUploadExpiryMinutes);
    return storage.store.presignDirectPut({ key: record.objectKey, md5: record.fileMd5, size: record.fileSize, mime: record.mime, expiresInSeconds: Math.max(1, Math.round(minutes * 60)) });
  }
  return storage.store.presignInit({ key: record.objectKey, mime: record.mime, expiresInSeconds: ctx.limits.partUrlExpirySeconds });
}

async function resume(ctx: DomainContext, record: UploadRecord, expiresMinutes?: number): Promise<CreateOutcome> {
  const storage = ctx.storages.byId(record.storageId);
  const now = ctx.clock.now();
  const touched = (await ctx.repo.update(record.id, { updatedAt: now, expiresAt: now + ctx.limits.uploadTtlMinutes * 60_000 })) ?? record;
  // Nothing to list yet (a direct upload, or S3 before the client reported its UploadId): sign the first request again.
  if (touched.kind === 'direct' || (storage.type === 's3' && touched.resumableId === undefined)) {
    return { kind: 'new', record: touched, storage, signature: await initialSignature(ctx, storage, touched, expiresMinutes) };
  }
  const doneParts = await confirmDoneParts(ctx, storage, touched);
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
async function confirmDoneParts(ctx: DomainContext, storage: Storage, record: UploadRecord): Promise<PartRecord[]> {
  const [signed, held] = await Promise.all([
    ctx.repo.listParts(record.id),
    storage.store.listUploadedParts({ key: record.objectKey, ...(record.resumableId === undefined ? {} : { resumableId: record.resumableId }) }),
  ]);
  const heldByPart = new Map(held.map((p) => [p.part, p]));
  const done = signed.filter((part) => {
    const stored = heldByPart.get(part.part);
    if (!stored) return false;
    if (stored.md5Hex !== undefined && stored.md5Hex !== md5Hex(part.md5)) return false;
    return part.size === undefined || stored.size === part.size;
  });
  if (done.length > 0) await ctx.repo.markPartsDone(record.id, done.map((p) => ({ part: p.part, md5: p.md5 })));
  return done.map((p) => ({ ...p, done: true }));
}
