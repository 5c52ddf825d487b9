// Browser form uploads (S3 POST Object under a signed policy): the policy binds
// the broker-chosen key, the content type and a size range, and the client
// never reports back. The broker finds out itself: whenever the record is read
// (status, list, finalize) and still open, and on a timer until it arrives or
// expires (checkFormArrivals), it looks in the store, and an object there
// within the policy's size range is verified by its size and complete.
import { requireUser, type Access } from './access.js';
import type { DomainContext } from './context.js';
import { createRecord } from './events.js';
import { withQuota } from './quotas.js';
import { errors } from './errors.js';
import { sanitiseFileName } from './file-policy.js';
import { mimeFor, newRecord } from './create-upload.js';
import type { SignedPost } from './ports.js';
import { effectiveState } from './state-machine.js';
import type { Storage } from './storages.js';
import type { UploadRecord } from './upload.js';
import { markComplete } from './verify.js';

export interface FormUploadInput {
  fileName: string;
  mime?: string;
  storageId?: string;
}

/** The largest object a form upload to this storage may write. */
function maxFormSize(storage: Storage): number {
  return Math.min(storage.filters.maxFileSize ?? Number.MAX_SAFE_INTEGER, storage.store.capabilities.limits.maxSingleSize);
}

/** A new upload record and the signed form that writes its object. */
export async function startFormUpload(ctx: DomainContext, access: Access, input: FormUploadInput): Promise<{ record: UploadRecord; form: SignedPost }> {
  const caller = requireUser(access);
  const fileName = sanitiseFileName(input.fileName);
  const mime = mimeFor(fileName, input.mime);
  // The size is not known yet: the filters judge name and type, the policy bounds the size.
  const storage = ctx.storages.choose(caller, { fileName, fileSize: 0, mime }, input.storageId);
  if (!storage.store.capabilities.formUploads) throw errors.badRequest(`storage ${storage.id} takes no browser form uploads`);
  const record = newRecord(ctx, { access, storage, fileName, mime, kind: 'direct', integrity: 'policy-size' });
  const minutes = Math.min(5, ctx.limits.maxUploadExpiryMinutes);
  // The user's cap and the tenant's quota first: a refused create signs and stores nothing.
  const form = await withQuota(ctx, record, { unfinished: true }, async () => {
    const signed = await storage.store.presignForm({ key: record.objectKey, mime, minSize: 0, maxSize: maxFormSize(storage), expiresInSeconds: Math.max(1, Math.round(minutes * 60)) });
    await createRecord(ctx, record);
    return signed;
  });
  ctx.formArrivals.add(record.id);
  return { record, form };
}

/**
 * Looks in the store for every form upload still awaited; forgets those that arrived,
 * expired or vanished. A store failure leaves that upload for the next round.
 * Returns how many arrived.
 */
export async function checkFormArrivals(ctx: DomainContext): Promise<number> {
  let arrived = 0;
  for (const id of [...ctx.formArrivals]) {
    try {
      const record = await ctx.repo.get(id);
      const settled = record && (await settleFormUpload(ctx, record));
      const state = settled && effectiveState(settled, ctx.clock.now());
      if (state === 'complete') arrived += 1;
      if (state !== 'pending' && state !== 'uploading') ctx.formArrivals.delete(id);
    } catch {
      // The store or Redis is unavailable: try again next round.
    }
  }
  return arrived;
}

/** The record, complete if its form upload has arrived in the store; unchanged otherwise. */
export async function settleFormUpload(ctx: DomainContext, record: UploadRecord): Promise<UploadRecord> {
  if (record.integrity !== 'policy-size') return record;
  const state = effectiveState(record, ctx.clock.now());
  if (state !== 'pending' && state !== 'uploading') return record;
  const storage = ctx.storages.byId(record.storageId);
  const stored = await storage.store.statObject({ key: record.objectKey });
  if (!stored || stored.size > maxFormSize(storage)) return record;
  return markComplete(ctx, record, { fileSize: stored.size });
}
