// Reading a blob by its SHA-256 (seed 000 "Download file blobs"): any complete,
// verified record of the digest the caller may read, in a storage of their
// tenant. A digest nobody let the caller read answers exactly like an unknown one.
import { canRead, requireUser, type Access } from './access.js';
import type { DomainContext } from './context.js';
import { errors } from './errors.js';
import type { UploadRecord } from './upload.js';

export async function readableBlob(ctx: DomainContext, access: Access, sha256: string): Promise<UploadRecord> {
  const caller = requireUser(access);
  for (const storage of ctx.storages.all()) {
    if (storage.tenants && !storage.tenants.includes(caller.tenant)) continue;
    for (const id of await ctx.repo.findBlob({ storageId: storage.id, tenant: caller.tenant, sha256 })) {
      const record = await ctx.repo.get(id);
      if (record && record.state === 'complete' && record.sha256 === sha256 && canRead(access, record)) return record;
    }
  }
  throw errors.notFound(`no blob sha256:${sha256} you may read`);
}

/** A presigned GET naming the file, for the blob's record. */
export async function blobReadUrl(ctx: DomainContext, record: UploadRecord): Promise<string> {
  const minutes = Math.min(ctx.limits.defaultReadLinkMinutes, ctx.limits.maxReadLinkMinutes);
  return ctx.storages.byId(record.storageId).store.presignRead({ key: record.objectKey, expiresInSeconds: Math.max(1, Math.round(minutes * 60)), fileName: record.fileName, mime: record.mime });
}
