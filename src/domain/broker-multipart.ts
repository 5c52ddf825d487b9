// Multipart uploads whose client declares no MD5s and sends parts with no
// headers (Uppy's S3 client): the broker initiates the store's multipart
// upload, signs each part for its number only, and at the end commits the
// parts exactly as the store lists them — their MD5s from the store's own
// listing, never the client's claims — then verifies the object against them.
import { assertCanManage, requireUser, type Access } from './access.js';
import type { DomainContext } from './context.js';
import { createRecord } from './events.js';
import { withQuota } from './quotas.js';
import { mimeFor, newRecord } from './create-upload.js';
import { errors } from './errors.js';
import { sanitiseFileName } from './file-policy.js';
import type { SignedRequest, UploadedPart } from './ports.js';
import { assertAllowed } from './state-machine.js';
import type { Storage } from './storages.js';
import type { UploadRecord } from './upload.js';
import { markVerified } from './verify.js';

export interface BrokerMultipartInput {
  fileName: string;
  mime?: string;
  storageId?: string;
}

/** Starts the store's multipart upload and records it. */
export async function startBrokerMultipart(ctx: DomainContext, access: Access, input: BrokerMultipartInput): Promise<UploadRecord> {
  const caller = requireUser(access);
  const fileName = sanitiseFileName(input.fileName);
  const mime = mimeFor(fileName, input.mime);
  const storage = ctx.storages.choose(caller, { fileName, fileSize: 0, mime }, input.storageId);
  // Without client MD5s, the only evidence of the bytes is the store's own part digests.
  if (!storage.store.capabilities.listsPartMd5) {
    throw errors.badRequest(`storage ${storage.id} cannot take uploads without part MD5s: it reports no digests of the parts it holds`);
  }
  const record = newRecord(ctx, { access, storage, fileName, mime, kind: 'chunked', integrity: 'listed-etags' });
  // Before the store's multipart upload is initiated: a refused create leaves nothing there.
  return withQuota(ctx, record, { unfinished: true }, async () => {
    const { resumableId } = await storage.store.initiateMultipart({ key: record.objectKey, mime });
    const started: UploadRecord = { ...record, resumableId, state: 'uploading' };
    await createRecord(ctx, started);
    return started;
  });
}

/** The caller's upload of this flow whose object has this key; 404 for anything else. */
export async function findByKey(ctx: DomainContext, access: Access, id: string, key: string): Promise<UploadRecord> {
  const record = await ctx.repo.get(id);
  assertCanManage(access, record, id);
  if (record.objectKey !== key) throw errors.uploadNotFound(id);
  return record;
}

async function loadOwnOpen(ctx: DomainContext, access: Access, id: string): Promise<{ record: UploadRecord; storage: Storage }> {
  const record = await ctx.repo.get(id);
  assertCanManage(access, record, id);
  if (record.integrity !== 'listed-etags') throw errors.uploadNotFound(id);
  assertAllowed(record, 'sign', ctx.clock.now());
  return { record, storage: ctx.storages.byId(record.storageId) };
}

/** Activity keeps an unfinished upload alive. */
async function touch(ctx: DomainContext, id: string): Promise<void> {
  const now = ctx.clock.now();
  await ctx.repo.update(id, { updatedAt: now, expiresAt: now + ctx.limits.uploadTtlMinutes * 60_000 });
}

/** A URL for part N that binds the part and the upload, and nothing the client would have to send. */
export async function signUnboundPart(ctx: DomainContext, access: Access, id: string, part: number): Promise<{ record: UploadRecord; signature: SignedRequest; expiresInSeconds: number }> {
  const { record, storage } = await loadOwnOpen(ctx, access, id);
  const maxParts = storage.store.capabilities.limits.maxParts;
  if (!Number.isInteger(part) || part < 1 || part > maxParts) throw errors.badRequest(`the part number must be an integer from 1 to ${maxParts}`);
  await touch(ctx, id);
  const expiresInSeconds = ctx.limits.partUrlExpirySeconds;
  const signature = await storage.store.presignPart({ key: record.objectKey, part, expiresInSeconds, ...(record.resumableId === undefined ? {} : { resumableId: record.resumableId }) });
  return { record, signature, expiresInSeconds };
}

/** The parts the store holds for this upload, as it lists them. */
export async function listStoredParts(ctx: DomainContext, access: Access, id: string): Promise<UploadedPart[]> {
  const { record, storage } = await loadOwnOpen(ctx, access, id);
  await touch(ctx, id);
  return storage.store.listUploadedParts({ key: record.objectKey, ...(record.resumableId === undefined ? {} : { resumableId: record.resumableId }) });
}

export interface ClaimedPart {
  part: number;
  /** What the client says the store answered for the part (a hex MD5 for plain S3 parts). */
  etag: string;
}

/**
 * Commits the parts the client names, each as the store lists it, after
 * checking that the store holds every one with the ETag the client claims;
 * then verifies the object and marks the upload complete. Idempotent once complete.
 */
export async function completeFromStore(ctx: DomainContext, access: Access, id: string, claimed: ClaimedPart[]): Promise<UploadRecord> {
  const current = await ctx.repo.get(id);
  assertCanManage(access, current, id);
  if (current.integrity === 'listed-etags' && current.state === 'complete') return current;
  const { record, storage } = await loadOwnOpen(ctx, access, id);
  const numbers = claimed.map((c) => c.part).sort((a, b) => a - b);
  if (numbers.length === 0) throw errors.badRequest('a commit needs at least one part');
  if (new Set(numbers).size !== numbers.length) throw errors.badRequest('a part is listed twice');
  const listed = await storage.store.listUploadedParts({ key: record.objectKey, ...(record.resumableId === undefined ? {} : { resumableId: record.resumableId }) });
  // A retried complete whose first attempt committed in the store but was cut off before
  // the record changed: the store lists nothing now, the parts were recorded then.
  const recorded = listed.length === 0 ? await ctx.repo.listParts(id) : [];
  if (recorded.length > 0) return markVerified(ctx, record, recorded, recorded.reduce((sum, p) => sum + (p.size ?? 0), 0));
  const held = new Map(listed.map((p) => [p.part, p]));
  const parts = claimed
    .map((claim) => ({ claim, stored: held.get(claim.part) }))
    .sort((a, b) => a.claim.part - b.claim.part)
    .map(({ claim, stored }) => {
      if (!stored) throw errors.conflict(`part ${claim.part} is not in the store; upload it before completing`);
      if (stored.md5Hex === undefined) throw errors.verificationFailed(`the store reports no MD5 for part ${claim.part}; it cannot be verified`);
      if (normalEtag(claim.etag) !== stored.md5Hex) throw errors.conflict(`part ${claim.part}'s ETag is not the one the store holds; upload it again`);
      return { part: claim.part, md5: Buffer.from(stored.md5Hex, 'hex').toString('base64'), size: stored.size, done: true };
    });
  for (const part of parts) await ctx.repo.recordPartSignature(id, part);
  await storage.store.completeMultipart({ key: record.objectKey, parts, mime: record.mime, ...(record.resumableId === undefined ? {} : { resumableId: record.resumableId }) });
  return markVerified(ctx, record, parts, parts.reduce((sum, p) => sum + p.size, 0));
}

/** ETags arrive quoted (from a listing) or bare (from a PUT answer), in any case. */
function normalEtag(etag: string): string {
  return etag.trim().replace(/^"(.*)"$/, '$1').toLowerCase();
}

