// Uploads addressed by SHA-256 (seeds 000/001): initiate — or find the blob
// already verified and share its object —, sign many parts at once, and
// complete: the broker commits the parts as the store lists them, then
// establishes the digest the way the storage is configured to.
import { assertCanManage, requireUser, type Access } from './access.js';
import type { DomainContext } from './context.js';
import { createRecord } from './events.js';
import { mimeFor, newRecord, planFor } from './create-upload.js';
import { findPresentBlob } from './dedupe.js';
import { errors } from './errors.js';
import { sanitiseFileName } from './file-policy.js';
import { plannedPartSize } from './part-plan.js';
import type { Checksum, ChecksumCheck } from './checksums.js';
import type { SignedRequest } from './ports.js';
import type { Storage } from './storages.js';
import { effectiveState } from './state-machine.js';
import type { UploadRecord } from './upload.js';
import { markComplete } from './verify.js';
import { withQuota } from './quotas.js';
import { sha256Base64 } from './digest.js';
import { checkedRecord, recordSignedStep } from './signing-step.js';

export interface InitiateInput {
  fileName: string;
  size: number;
  /** Lower-case hex SHA-256 of the whole file, when the client knows it. */
  sha256?: string;
  mime?: string;
  temporary?: boolean;
  storageId?: string;
  tags?: string[];
  /** A part size the client asks for (checked against the storage's part policy). */
  partSize?: number;
  sessionId?: string;
  uploadToken?: string;
}

export type InitiateOutcome = { kind: 'present'; record: UploadRecord } | { kind: 'new'; record: UploadRecord };

/** A new upload, or — when the digest and size match a verified blob the caller may share — a complete record sharing its object. */
export async function initiateBlobUpload(ctx: DomainContext, access: Access, input: InitiateInput): Promise<InitiateOutcome> {
  const caller = requireUser(access);
  const fileName = sanitiseFileName(input.fileName);
  const mime = mimeFor(fileName, input.mime);
  const { storage, plan } = planFor(ctx, access, {
    fileName, fileSize: input.size, mime,
    ...(input.storageId === undefined ? {} : { storageId: input.storageId }),
    ...(input.partSize === undefined ? {} : { partSize: input.partSize }),
  });
  const common = {
    access, storage, fileName, mime, integrity: 'store-md5' as const, fileSize: input.size,
    ...(input.sha256 === undefined ? {} : { sha256: input.sha256 }),
    ...(input.temporary === undefined ? {} : { temporary: input.temporary }),
    ...(input.sessionId === undefined ? {} : { sessionId: input.sessionId }),
    ...(input.uploadToken === undefined ? {} : { uploadToken: input.uploadToken }),
    extra: { ...(input.tags === undefined ? {} : { tags: input.tags }) },
  };
  const present = input.sha256 === undefined ? undefined : await findPresentBlob(ctx, caller, storage, input.sha256, input.size);
  if (present) {
    // A record of the caller's own, pointing at the verified object: no bytes, no signatures.
    const shared = { ...newRecord(ctx, { ...common, kind: present.kind }), objectKey: present.objectKey, integrity: present.integrity, ...(present.fileMd5 === undefined ? {} : { fileMd5: present.fileMd5 }) };
    // Complete at once, so never unfinished; it holds the blob's bytes like any record.
    await withQuota(ctx, shared, { unfinished: false }, () => createRecord(ctx, shared));
    const record = await markComplete(ctx, shared, { sha256: present.sha256 ?? '', ...(present.digestCheck === undefined ? {} : { digestCheck: present.digestCheck }) });
    return { kind: 'present', record };
  }
  const record = newRecord(ctx, { ...common, kind: plan.kind, plan });
  const needsStart = plan.kind === 'chunked' && storage.store.capabilities.needsInitiation;
  // Before the store's multipart upload is initiated: a refused create leaves nothing there.
  return withQuota(ctx, record, { unfinished: true }, async () => {
    const resumableId = needsStart ? (await storage.store.initiateMultipart({ key: record.objectKey, mime })).resumableId : undefined;
    const created = resumableId === undefined ? record : { ...record, resumableId };
    await createRecord(ctx, created);
    return { kind: 'new' as const, record: created };
  });
}

export interface PartToSign {
  number: number;
  /** Canonical base64 MD5 of the part. */
  md5?: string;
  /** Lower-case hex SHA-256 of the part. */
  sha256?: string;
  /** A checksum in another algorithm (seed 004). */
  checksum?: Checksum;
}

export interface SignedPart {
  number: number;
  signature: SignedRequest;
  expiresAt: number;
  /** Each checksum signed into the request and how the store treats it. */
  checks: Record<string, ChecksumCheck>;
}

/** An md5: or sha256: checksum is the md5 or sha256 field said otherwise; two different ones are a 400. */
function folded(part: PartToSign): PartToSign {
  const { checksum, ...rest } = part;
  if (checksum?.algorithm === 'md5') {
    if (rest.md5 !== undefined && rest.md5 !== checksum.base64) throw errors.badRequest(`part ${part.number} gives two different MD5s`);
    return { ...rest, md5: checksum.base64 };
  }
  if (checksum?.algorithm === 'sha256') {
    const hex = Buffer.from(checksum.base64, 'base64').toString('hex');
    if (rest.sha256 !== undefined && rest.sha256 !== hex) throw errors.badRequest(`part ${part.number} gives two different SHA-256s`);
    return { ...rest, sha256: hex };
  }
  return part;
}

/** How the store treats each checksum this part carries; 400 for an algorithm the storage does not take. */
function checksOf(storage: Storage, part: PartToSign): Record<string, ChecksumCheck> {
  const { checksums } = storage.store.capabilities;
  const checks: Record<string, ChecksumCheck> = {};
  // The md5 and sha256 fields bind what the store can take and are skipped where it takes none;
  // a checksum asked for explicitly in an algorithm the store does not take is refused.
  const algorithms = [
    ...(part.md5 === undefined || checksums.md5 === undefined ? [] : ['md5' as const]),
    ...(part.sha256 === undefined || checksums.sha256 === undefined ? [] : ['sha256' as const]),
    ...(part.checksum === undefined ? [] : [part.checksum.algorithm]),
  ];
  for (const algorithm of algorithms) {
    const check = checksums[algorithm];
    if (check === undefined) throw errors.badRequest(`storage ${storage.id} takes no ${algorithm} checksum (it takes ${Object.keys(checksums).join(', ')})`);
    checks[algorithm] = check;
  }
  return checks;
}

/** Signs many parts in one call: everything is checked before anything is recorded, and recorded in one round trip. */
export async function signBlobParts(ctx: DomainContext, access: Access, id: string, given: PartToSign[]): Promise<SignedPart[]> {
  const parts = given.map(folded);
  const check = (record: UploadRecord | undefined) => checkedOpen(ctx, access, id, record);
  const known = await checkedRecord(ctx, id, check);
  const storage = ctx.storages.byId(known.storageId);
  const size = known.fileSize ?? 0;
  const seen = new Set<number>();
  const checks = new Map(parts.map((part) => [part.number, checksOf(storage, part)]));
  for (const part of parts) {
    if (!Number.isInteger(part.number) || part.number < 1 || part.number > known.partCount) {
      throw errors.badRequest(`part ${part.number} is outside this upload's plan: parts 1 to ${known.partCount}`);
    }
    if (seen.has(part.number)) throw errors.badRequest(`part ${part.number} is listed twice`);
    seen.add(part.number);
  }
  if (known.kind === 'direct') return signSingle(ctx, access, id, parts, checks);
  const now = ctx.clock.now();
  const sizes = new Map(parts.map((part) => [part.number, plannedPartSize(known, size, part.number)]));
  const record = await recordSignedStep(ctx, known, {
    expect: { tenant: known.tenant, owner: known.owner, uploadToken: known.uploadToken, states: ['pending', 'uploading'] },
    requireResumableId: false,
    done: [],
    // A part signed without an MD5 binds none, so there is nothing to record for it.
    parts: parts.flatMap((part) => {
      const partSize = sizes.get(part.number);
      return part.md5 === undefined ? [] : [{ part: part.number, md5: part.md5, done: false, checks: checks.get(part.number) ?? {}, ...(partSize === undefined ? {} : { size: partSize }) }];
    }),
    // Activity keeps an unfinished upload alive.
    touch: { updatedAt: now, expiresAt: now + ctx.limits.uploadTtlMinutes * 60_000 },
  }, check);
  const signed: SignedPart[] = [];
  for (const part of parts) {
    const partSize = sizes.get(part.number);
    const signature = await storage.store.presignPart({
      key: record.objectKey, part: part.number, expiresInSeconds: ctx.limits.partUrlExpirySeconds,
      ...(record.resumableId === undefined ? {} : { resumableId: record.resumableId }),
      ...(part.md5 === undefined ? {} : { md5: part.md5 }),
      ...(part.sha256 === undefined ? {} : { sha256: sha256Base64(part.sha256) }),
      ...(part.checksum === undefined ? {} : { checksum: part.checksum }),
      ...(partSize === undefined ? {} : { size: partSize }),
    });
    signed.push({ number: part.number, signature, expiresAt: ctx.clock.now() + ctx.limits.partUrlExpirySeconds * 1000, checks: checks.get(part.number) ?? {} });
  }
  return signed;
}

/** A single upload's one PUT, signed against the record as the repository has it (its SHA-256 may have been declared since). */
async function signSingle(ctx: DomainContext, access: Access, id: string, parts: PartToSign[], checks: Map<number, Record<string, ChecksumCheck>>): Promise<SignedPart[]> {
  const record = await loadOpen(ctx, access, id);
  const storage = ctx.storages.byId(record.storageId);
  const other = parts[0]?.checksum;
  if (other !== undefined) throw errors.badRequest(`a single upload is written by one PUT, which binds MD5 and SHA-256 only, not ${other.algorithm}`);
  // One request writes the whole file: its SHA-256 is the file's, bound where the store checks it.
  const [only] = parts;
  if (only?.sha256 !== undefined && record.sha256 !== undefined && only.sha256 !== record.sha256) {
    throw errors.badRequest('the SHA-256 of part 1 of a single upload is the whole file’s, and differs from the one declared');
  }
  const sha256 = only?.sha256 ?? record.sha256;
  if (sha256 !== undefined && record.sha256 === undefined) await ctx.repo.update(id, { sha256 });
  const expiresInSeconds = ctx.limits.partUrlExpirySeconds;
  const signature = await storage.store.presignDirectPut({
    key: record.objectKey, size: record.fileSize ?? 0, mime: record.mime, expiresInSeconds,
    ...(only?.md5 === undefined ? {} : { md5: only.md5 }),
    ...(sha256 === undefined ? {} : { sha256: sha256Base64(sha256) }),
  });
  await touch(ctx, record);
  return [{ number: 1, signature, expiresAt: ctx.clock.now() + expiresInSeconds * 1000, checks: checks.get(1) ?? {} }];
}

export async function loadOpen(ctx: DomainContext, access: Access, id: string): Promise<UploadRecord> {
  return checkedOpen(ctx, access, id, await ctx.repo.get(id));
}

/** The record, if the caller may manage it and it still takes parts. */
function checkedOpen(ctx: DomainContext, access: Access, id: string, record: UploadRecord | undefined): UploadRecord {
  assertCanManage(access, record, id);
  const state = effectiveState(record, ctx.clock.now());
  if (state === 'expired') throw errors.expired(id);
  if (state !== 'pending' && state !== 'uploading') throw errors.conflict(`upload ${id} is ${state}; it takes no more parts`);
  return record;
}

/** Activity keeps an unfinished upload alive. */
async function touch(ctx: DomainContext, record: UploadRecord): Promise<void> {
  const now = ctx.clock.now();
  await ctx.repo.update(record.id, { updatedAt: now, expiresAt: now + ctx.limits.uploadTtlMinutes * 60_000 });
  if (record.state === 'pending') await ctx.repo.transition(record.id, ['pending'], 'uploading', now);
}
