// The one round trip of a signature request, shared by the protocols that sign parts
// (PlaceOS's PATCH in sign-parts.ts, API v1's batch in blob-uploads.ts): check against the
// record this process already holds, then one atomic step in the repository that checks
// again what may have changed and records everything, or refuses and writes nothing.
import type { DomainContext } from './context.js';
import { errors } from './errors.js';
import type { SignStep } from './ports.js';
import type { UploadRecord } from './upload.js';

/**
 * `check` (which throws the request's refusal) against this process's copy of the record, else
 * against the record as the repository has it: a copy that is unknown here or stale (another
 * broker extended or finished the upload) is read again before a request is refused.
 */
export async function checkedRecord<T>(ctx: DomainContext, id: string, check: (record: UploadRecord | undefined) => T): Promise<T> {
  const known = ctx.recentRecords.get(id);
  if (known) {
    try {
      return check(known);
    } catch {
      // Read it below.
    }
  }
  const fresh = await ctx.repo.get(id);
  const checked = check(fresh);
  if (fresh) ctx.recentRecords.remember(fresh);
  return checked;
}

export const md5Conflict = (parts: number[]) => errors.conflict(`the MD5 reported for part(s) ${parts.join(', ')} differs from the MD5 signed for them; sign the part again`);

/**
 * The step against `known` (checked by `check`); the record as it now stands. A refused step
 * wrote nothing: `check` on the record as it is names the reason, else the MD5 conflict,
 * else a change that raced this request.
 */
export async function recordSignedStep(ctx: DomainContext, known: UploadRecord, step: SignStep, check: (record: UploadRecord | undefined) => unknown): Promise<UploadRecord> {
  const result = await ctx.repo.recordSignedParts(known.id, step);
  if (!result?.signed) {
    ctx.recentRecords.forget(known.id);
    check(result?.record);
    if (result && result.conflicts.length > 0) throw md5Conflict(result.conflicts);
    throw errors.conflict(`upload ${known.id} changed while it was being signed; ask again`);
  }
  const record: UploadRecord = { ...known, ...result.changed };
  ctx.recentRecords.remember(record);
  return record;
}
