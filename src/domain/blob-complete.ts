// Completing an upload addressed by SHA-256: the broker commits the parts as
// the store lists them (no client commit step), checks the object's shape by
// the store's evidence, then establishes the digest as the storage says —
// 'store' (the store checked a signed x-amz-checksum-sha256 of the one request
// that wrote the object), 'read-back' (the broker hashes the object), or
// 'declared' (recorded, never used for dedupe). A digest that does not match
// leaves the upload incomplete.
import { assertCanManage, type Access } from './access.js';
import { loadOpen } from './blob-uploads.js';
import type { DomainContext } from './context.js';
import { readBack } from './digest.js';
import { errors } from './errors.js';
import { md5Hex } from './md5.js';
import { plannedPartSize } from './part-plan.js';
import type { PartDigest, UploadedPart } from './ports.js';
import type { Storage } from './storages.js';
import type { DigestCheck, UploadRecord } from './upload.js';
import { expectedObject, markComplete } from './verify.js';

export interface Completed {
  record: UploadRecord;
  sha256: string;
  size: number;
  verified: DigestCheck;
}

export async function completeBlobUpload(ctx: DomainContext, access: Access, id: string, digest?: string): Promise<Completed> {
  const current = await ctx.repo.get(id);
  assertCanManage(access, current, id);
  if (current.state === 'complete') return alreadyComplete(current, digest);
  const record = await loadOpen(ctx, access, id);
  if (digest !== undefined && record.sha256 !== undefined && digest !== record.sha256) {
    throw errors.verificationFailed(`the digest sha-256:${digest} is not the one declared for upload ${id} (sha-256:${record.sha256})`);
  }
  const expected = digest ?? record.sha256;
  const storage = ctx.storages.byId(record.storageId);
  const size = record.fileSize ?? 0;
  const parts = record.kind === 'chunked' ? await commitListedParts(ctx, storage, record) : [];
  const verdict = await storage.store.verifyObject(expectedObject(record, parts.map((p) => ({ ...p, done: true })), size));
  if (!verdict.ok) throw errors.verificationFailed(`upload ${id} is not complete: ${verdict.reason}`);

  const { sha256, check } = await establishDigest(ctx, storage, record, expected);
  const allPartsHadMd5 = record.kind === 'direct' || (await ctx.repo.listParts(id)).length === record.partCount;
  if (!allPartsHadMd5) await ctx.repo.update(id, { integrity: 'listed-etags' });
  const complete = await markComplete(ctx, record, { sha256, digestCheck: check });
  return { record: complete, sha256, size, verified: check };
}

function alreadyComplete(record: UploadRecord, digest: string | undefined): Completed {
  if (record.sha256 === undefined || record.digestCheck === undefined) throw errors.conflict(`upload ${record.id} was completed another way; it has no digest`);
  if (digest !== undefined && digest !== record.sha256) throw errors.verificationFailed(`upload ${record.id} is complete with sha-256:${record.sha256}, not sha-256:${digest}`);
  return { record, sha256: record.sha256, size: record.fileSize ?? 0, verified: record.digestCheck };
}

/**
 * Every planned part must be in the store with its planned size, and with the MD5 the broker
 * signed where it signed one; the store then commits exactly those. Returns the parts with the
 * MD5 each holds (for the store's own shape check). A retry after a commit finds nothing listed.
 */
async function commitListedParts(ctx: DomainContext, storage: Storage, record: UploadRecord): Promise<PartDigest[]> {
  const ref = { key: record.objectKey, ...(record.resumableId === undefined ? {} : { resumableId: record.resumableId }) };
  const [listed, signed] = await Promise.all([storage.store.listUploadedParts({ ...ref, expectedParts: record.partCount }), ctx.repo.listParts(record.id)]);
  const signedMd5 = new Map(signed.map((p) => [p.part, p.md5]));
  if (listed.length === 0 && signed.length === record.partCount && (await storage.store.statObject({ key: record.objectKey }))) {
    return signed.map((p) => ({ part: p.part, md5: p.md5 }));
  }
  const held = new Map(listed.map((p) => [p.part, p]));
  const parts: PartDigest[] = [];
  for (let number = 1; number <= record.partCount; number += 1) {
    const stored = held.get(number);
    const planned = plannedPartSize(record, record.fileSize ?? 0, number);
    if (!stored) throw errors.conflict(`part ${number} of upload ${record.id} is not in the store; send it before completing`);
    if (stored.size !== planned) throw errors.conflict(`part ${number} of upload ${record.id} has ${stored.size} bytes in the store, the plan says ${planned}`);
    const md5 = digestOf(stored, signedMd5.get(number));
    if (md5 === undefined) throw errors.conflict(`part ${number} of upload ${record.id} holds other bytes than the MD5 signed for it; send it again`);
    parts.push({ part: number, md5 });
  }
  await storage.store.completeMultipart({ ...ref, parts, mime: record.mime });
  return parts;
}

/** The part's MD5 (base64): as the store lists it, which must equal the signed one where both are known. */
function digestOf(stored: UploadedPart, signed: string | undefined): string | undefined {
  if (stored.md5Hex === undefined) return signed ?? '';
  if (signed !== undefined && md5Hex(signed) !== stored.md5Hex) return undefined;
  return Buffer.from(stored.md5Hex, 'hex').toString('base64');
}

async function establishDigest(ctx: DomainContext, storage: Storage, record: UploadRecord, expected: string | undefined): Promise<{ sha256: string; check: DigestCheck }> {
  // The store checked the SHA-256 signed into the one request that wrote the object.
  const storeChecked = storage.verification === 'store' && record.kind === 'direct' && storage.store.capabilities.checksSha256 && record.sha256 !== undefined;
  if (storeChecked && record.sha256 !== undefined) return { sha256: record.sha256, check: 'store' };
  if (storage.verification === 'declared') {
    if (expected === undefined) throw errors.badRequest('this storage records declared digests: give the file’s SHA-256 (digest=sha-256:<hex>)');
    return { sha256: expected, check: 'declared' };
  }
  // 'read-back', and 'store' where the store could not check it (multipart, or no checksum signed).
  const actual = await readBack(ctx, record);
  if (expected !== undefined && actual.sha256 !== expected) {
    throw errors.verificationFailed(`the stored object's SHA-256 is ${actual.sha256}, not sha-256:${expected}: upload ${record.id} is not complete`);
  }
  return { sha256: actual.sha256, check: 'read-back' };
}
