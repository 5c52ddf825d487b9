// Upload sessions (seed 002): a set of blobs addressed by SHA-256 — a signage
// playlist, a folder — created in one call. Blobs a verified object already
// holds are present at once; the others get an upload each, whose parts are
// signed as any other's. One token stands in for the user on the session's
// routes and on its uploads' (each upload is created with it as its token).
import { requireUser, type Access } from './access.js';
import { completeBlobUpload } from './blob-complete.js';
import { initiateBlobUpload } from './blob-uploads.js';
import { mimeFor, planFor } from './create-upload.js';
import { sanitiseFileName } from './file-policy.js';
import type { DomainContext } from './context.js';
import { abort } from './lifecycle.js';
import { errors } from './errors.js';
import type { SessionBlob, UploadSession } from './ports.js';
import { effectiveState } from './state-machine.js';
import type { UploadRecord } from './upload.js';

export interface SessionBlobInput {
  sha256: string;
  size: number;
  mime?: string;
  name?: string;
}

export async function createSession(ctx: DomainContext, access: Access, input: { blobs: SessionBlobInput[]; temporary?: boolean; storageId?: string }): Promise<{ session: UploadSession; uploads: Map<string, UploadRecord> }> {
  const caller = requireUser(access);
  const seen = new Set<string>();
  for (const blob of input.blobs) {
    if (seen.has(blob.sha256)) throw errors.badRequest(`blob ${blob.sha256} is listed twice`);
    seen.add(blob.sha256);
    // What refuses a blob without asking anyone — its name, its storage, its size — is checked
    // for every blob before any upload is made: such a refusal creates nothing (the v1 fuzzer
    // found a session refused for its second blob's name that had made the first one's upload).
    const fileName = sanitiseFileName(blob.name ?? `${blob.sha256}.bin`);
    planFor(ctx, access, { fileName, fileSize: blob.size, mime: mimeFor(fileName, blob.mime), ...(input.storageId === undefined ? {} : { storageId: input.storageId }) });
  }
  const now = ctx.clock.now();
  const id = ctx.ids.sessionId();
  const token = ctx.ids.uploadToken();
  const uploads = new Map<string, UploadRecord>();
  const blobs: SessionBlob[] = [];
  try {
    for (const blob of input.blobs) {
      const outcome = await initiateBlobUpload(ctx, access, {
        fileName: blob.name ?? `${blob.sha256}.bin`, size: blob.size, sha256: blob.sha256, sessionId: id, uploadToken: token,
        ...(blob.mime === undefined ? {} : { mime: blob.mime }),
        ...(input.temporary === undefined ? {} : { temporary: input.temporary }),
        ...(input.storageId === undefined ? {} : { storageId: input.storageId }),
      });
      uploads.set(blob.sha256, outcome.record);
      blobs.push({ sha256: blob.sha256, size: blob.size, uploadId: outcome.record.id, alreadyPresent: outcome.kind === 'present', ...(blob.mime === undefined ? {} : { mime: blob.mime }), ...(blob.name === undefined ? {} : { name: blob.name }) });
    }
  } catch (error) {
    // A blob refused (the user's cap, the tenant's quota, a store failure) refuses the session:
    // the uploads made for the blobs before it are aborted, so none holds a place or bytes
    // and no multipart upload stays open in the store. Their records remain, aborted.
    await Promise.all([...uploads.values()].map((record) => abort(ctx, access, record.id).catch(() => {})));
    throw error;
  }
  const session: UploadSession = { id, owner: caller.user, tenant: caller.tenant, token, temporary: input.temporary ?? false, state: 'open', createdAt: now, expiresAt: now + ctx.limits.uploadTtlMinutes * 60_000, blobs };
  await ctx.repo.createSession(session);
  return { session, uploads };
}

/** The session, if this access may act on it (its owner, or its token); 404 otherwise, 410 once expired. */
export async function loadSession(ctx: DomainContext, access: Access, id: string): Promise<UploadSession> {
  const session = await ctx.repo.getSession(id);
  const allowed = session && (access.kind === 'upload-token' ? access.token === session.token : access.caller.tenant === session.tenant && (access.caller.user === session.owner || access.caller.roles.includes('admin')));
  if (!session || !allowed) throw errors.notFound(`upload session ${JSON.stringify(id)} not found`);
  if (session.state === 'open' && ctx.clock.now() > session.expiresAt) throw errors.gone(`upload session ${id} has expired; start a new one`);
  return session;
}

/** Access to the session's uploads: the token they were created with. */
function uploadAccess(session: UploadSession): Access {
  return { kind: 'upload-token', token: session.token };
}

/** Verifies one blob of the session (its bytes went to the store), or says it was present already. */
export async function confirmSessionBlob(ctx: DomainContext, access: Access, id: string, sha256: string): Promise<{ session: UploadSession; blob: SessionBlob; record: UploadRecord }> {
  const session = await loadSession(ctx, access, id);
  const blob = session.blobs.find((b) => b.sha256 === sha256);
  if (!blob) throw errors.notFound(`blob ${sha256} is not part of upload session ${id}`);
  // Present from the start, or verified by an earlier PUT (a retry): answer what is recorded.
  const recorded = await ctx.repo.get(blob.uploadId);
  const settled = blob.alreadyPresent || recorded?.state === 'complete';
  const record = settled ? recorded : (await completeBlobUpload(ctx, uploadAccess(session), blob.uploadId, sha256)).record;
  if (!record) throw errors.notFound(`the upload of blob ${sha256} no longer exists`);
  return { session, blob, record };
}

export interface SessionBlobState {
  blob: SessionBlob;
  record: UploadRecord | undefined;
  state: string;
}

export async function sessionState(ctx: DomainContext, access: Access, id: string): Promise<{ session: UploadSession; blobs: SessionBlobState[] }> {
  const session = await loadSession(ctx, access, id);
  const now = ctx.clock.now();
  const blobs = await Promise.all(
    session.blobs.map(async (blob) => {
      const record = await ctx.repo.get(blob.uploadId);
      return { blob, record, state: record ? effectiveState(record, now) : 'expired' };
    }),
  );
  return { session, blobs };
}

/** Complete when every blob is present: 409 naming the missing ones otherwise. */
export async function completeSession(ctx: DomainContext, access: Access, id: string): Promise<{ session: UploadSession; blobs: SessionBlobState[] }> {
  const { session, blobs } = await sessionState(ctx, access, id);
  const missing = blobs.filter((b) => b.state !== 'complete').map((b) => b.blob.sha256);
  if (missing.length > 0) throw errors.conflict(`upload session ${id} is missing ${missing.length} blob(s): ${missing.join(', ')}`);
  const updated = (await ctx.repo.updateSession(id, { state: 'complete' })) ?? session;
  return { session: updated, blobs };
}
