// Dedupe: a new upload whose SHA-256 and size match a verified blob shares its
// object instead of sending the bytes again. Scoped by the storage's `dedupe`
// setting — the caller's own blobs ('owner'), their tenant's ('tenant'), or
// none ('off') — never across tenants, and only blobs whose digest the store
// or a read-back established: a digest the client merely declared could be
// anyone's claim, and sharing on it would hand them someone else's file.
import type { DomainContext } from './context.js';
import type { Storage } from './storages.js';
import type { Caller, UploadRecord } from './upload.js';

/** A complete, verified record in this storage whose object is the blob, if the caller may share it. */
export async function findPresentBlob(ctx: DomainContext, caller: Caller, storage: Storage, sha256: string, size: number): Promise<UploadRecord | undefined> {
  if (storage.dedupe === 'off') return undefined;
  const ids = await ctx.repo.findBlob({ storageId: storage.id, tenant: caller.tenant, sha256 });
  for (const id of ids) {
    const record = await ctx.repo.get(id);
    if (!record || !isShareable(record, caller, storage, sha256, size)) continue;
    return record;
  }
  return undefined;
}

function isShareable(record: UploadRecord, caller: Caller, storage: Storage, sha256: string, size: number): boolean {
  if (record.state !== 'complete' || record.tenant !== caller.tenant || record.storageId !== storage.id) return false;
  if (record.sha256 !== sha256 || record.fileSize !== size) return false;
  if (record.digestCheck !== 'store' && record.digestCheck !== 'read-back') return false;
  return storage.dedupe === 'tenant' || record.owner === caller.user;
}
