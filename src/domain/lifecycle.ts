// PUT /:id (finalize), GET /:id (status), DELETE /:id (abort), GET / (list),
// GET /:id/url (read link).
import { assertCanManage, assertCanRead, requireUser, type Access } from './access.js';
import type { DomainContext } from './context.js';
import { errors } from './errors.js';
import { emitTransition } from './events.js';
import { releaseQuota } from './quotas.js';
import { assertAllowed, effectiveState, STATES_BEFORE_COMPLETE } from './state-machine.js';
import { settleFormUpload } from './form-upload.js';
import type { ListResult } from './ports.js';
import type { PartRecord, UploadRecord, UploadState } from './upload.js';
import { markVerified } from './verify.js';

/** Verify the object in the store, then mark the upload complete. A failed check leaves it resumable. */
export async function finalize(ctx: DomainContext, access: Access, id: string): Promise<UploadRecord> {
  const record = await ctx.repo.get(id);
  assertCanManage(access, record, id);
  if (record.state === 'complete') return record;
  assertAllowed(record, 'finalize', ctx.clock.now());
  if (record.integrity === 'policy-size') {
    const settled = await settleFormUpload(ctx, record);
    if (settled.state !== 'complete') throw errors.verificationFailed(`upload ${id} is not complete: the object is not in the store yet`);
    return settled;
  }
  const parts = record.kind === 'chunked' ? await ctx.repo.listParts(id) : [];
  return markVerified(ctx, record, parts);
}

export interface UploadStatus {
  record: UploadRecord;
  state: UploadState;
  parts: PartRecord[];
  /** Bytes in parts reported done whose size the broker knows. */
  bytesKnown: number;
}

export async function status(ctx: DomainContext, access: Access, id: string): Promise<UploadStatus> {
  const found = await ctx.repo.get(id);
  assertCanManage(access, found, id);
  // A form upload's client never reports back: reading its status is when the broker looks.
  const record = await settleFormUpload(ctx, found);
  const parts = record.kind === 'chunked' ? await ctx.repo.listParts(id) : [];
  const state = effectiveState(record, ctx.clock.now());
  const bytesKnown = state === 'complete' ? (record.fileSize ?? 0) : parts.filter((p) => p.done).reduce((sum, p) => sum + (p.size ?? 0), 0);
  return { record, state, parts, bytesKnown };
}

/**
 * Abort the store's multipart upload, delete the object, mark aborted. Idempotent. A complete
 * upload may share its object with others (dedupe): it lets go of it, and the object is
 * deleted only when no record holds it any more.
 */
export async function abort(ctx: DomainContext, access: Access, id: string): Promise<void> {
  const record = await ctx.repo.get(id);
  assertCanManage(access, record, id);
  if (record.state === 'complete') {
    // Only the call that moves it lets go: a second DELETE must not count twice.
    const at = ctx.clock.now();
    if (await ctx.repo.transition(id, ['complete'], 'aborted', at)) {
      // Said first: the change happened even if the store then fails to delete the object.
      await emitTransition(ctx, 'upload.aborted', record, 'aborted', at);
      await releaseObject(ctx, record);
    }
    return;
  }
  // Aborted or swept already: the store was dealt with then. Deleting by key again could take
  // an object that other records still share (dedupe).
  if (record.state === 'aborted' || record.state === 'expired') return;
  const storage = ctx.storages.byId(record.storageId);
  await storage.store.abort({ key: record.objectKey, ...(record.resumableId === undefined ? {} : { resumableId: record.resumableId }) });
  const at = ctx.clock.now();
  if (await ctx.repo.transition(id, ['pending', 'uploading'], 'aborted', at)) {
    await emitTransition(ctx, 'upload.aborted', record, 'aborted', at);
    // Only the call that aborted it: a concurrent finalize that won keeps its bytes counted.
    await releaseQuota(ctx, record);
  }
  await ctx.repo.unschedule(id);
}

/** A complete record lets go of its object: out of the dedupe index, and the object deleted when it was the last holder. */
export async function releaseObject(ctx: DomainContext, record: UploadRecord): Promise<void> {
  await releaseQuota(ctx, record);
  if (record.sha256 !== undefined) await ctx.repo.unindexBlob({ storageId: record.storageId, tenant: record.tenant, sha256: record.sha256 }, record.id);
  await ctx.repo.unschedule(record.id);
  const holders = await ctx.repo.releaseObject(record.storageId, record.objectKey);
  if (holders <= 0) await ctx.storages.byId(record.storageId).store.abort({ key: record.objectKey });
}

export interface ListInput {
  search?: string;
  tags?: string[];
  storageId?: string;
  limit?: number;
  offset?: number;
}

export async function listUploads(ctx: DomainContext, access: Access, input: ListInput): Promise<ListResult & { limit: number; offset: number }> {
  const caller = requireUser(access);
  const limit = Math.min(input.limit ?? 100, ctx.limits.maxListLimit);
  const offset = input.offset ?? 0;
  const result = await ctx.repo.list({
    tenant: caller.tenant,
    owner: caller.user,
    limit,
    offset,
    ...(input.search === undefined ? {} : { search: input.search }),
    ...(input.tags === undefined ? {} : { tags: input.tags }),
    ...(input.storageId === undefined ? {} : { storageId: input.storageId }),
  });
  const items = await Promise.all(result.items.map((record) => settleFormUpload(ctx, record)));
  return { items, total: result.total, limit, offset };
}

/** A presigned GET for a complete upload, expiry capped by config. */
export async function readUrl(ctx: DomainContext, access: Access, id: string, expiryMinutes?: number): Promise<string> {
  const record = await ctx.repo.get(id);
  assertCanRead(access, record, id);
  assertAllowed(record, 'read', ctx.clock.now());
  const minutes = Math.min(expiryMinutes ?? ctx.limits.defaultReadLinkMinutes, ctx.limits.maxReadLinkMinutes);
  const storage = ctx.storages.byId(record.storageId);
  return storage.store.presignRead({ key: record.objectKey, expiresInSeconds: Math.max(1, Math.round(minutes * 60)), fileName: record.fileName, mime: record.mime });
}
