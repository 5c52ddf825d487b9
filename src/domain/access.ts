// Who may act on an upload, decided in one place. A caller is either a user
// (JWT or API key) or the holder of one upload's token (X-Upload-Token).
// Anything not allowed answers "not found": no existence oracle.
import { timingSafeEqual } from 'node:crypto';
import { errors } from './errors.js';
import type { Caller, UploadRecord } from './upload.js';

export type Access = { kind: 'user'; caller: Caller } | { kind: 'upload-token'; token: string };

export function isAdmin(caller: Caller): boolean {
  return caller.roles.includes('admin');
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** May this access change the upload (sign, finish, finalize, abort, status)? */
export function canManage(access: Access, record: UploadRecord): boolean {
  // A delegated token finishes one upload: it lapses once the upload is complete or aborted.
  if (access.kind === 'upload-token') return (record.state === 'pending' || record.state === 'uploading') && sameSecret(access.token, record.uploadToken);
  const { caller } = access;
  if (caller.tenant !== record.tenant) return false;
  return caller.user === record.owner || isAdmin(caller);
}

/** May this access download the object? Owners and admins always; others by the upload's own settings, same tenant only. */
export function canRead(access: Access, record: UploadRecord): boolean {
  if (canManage(access, record)) return true;
  if (access.kind !== 'user' || access.caller.tenant !== record.tenant) return false;
  if (record.public) return true;
  return record.permissions === 'support' && access.caller.roles.includes('support');
}

export function assertCanManage(access: Access, record: UploadRecord | undefined, id: string): asserts record is UploadRecord {
  if (!record || !canManage(access, record)) throw errors.uploadNotFound(id);
}

export function assertCanRead(access: Access, record: UploadRecord | undefined, id: string): asserts record is UploadRecord {
  if (!record || !canRead(access, record)) throw errors.uploadNotFound(id);
}

/** Routes that create or list uploads need a user, not an upload token. */
export function requireUser(access: Access): Caller {
  if (access.kind !== 'user') throw errors.forbidden('an upload token only acts on its own upload');
  return access.caller;
}
