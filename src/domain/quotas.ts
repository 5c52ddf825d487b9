// Issue 9's limits on what users and tenants may hold: a cap on one user's unfinished
// uploads (429 too_many_uploads) and a byte quota per tenant (413 quota_exceeded). Every
// create path takes its record's claim before anything is signed or initiated in the store,
// and gives it back if the create then fails, so a refused create changes nothing. The
// repository counts atomically (quota-port.ts); this module decides what a record claims.
//
// Bytes: a declared size counts at create; an upload without one (Uppy's multipart and
// form uploads) counts its verified size when it completes — never refused then, as its
// bytes are already in the store — and may not start while the tenant is at its quota.
// Bytes come back on abort, on expiry (the sweeper) and when a temporary upload's object
// is let go. Unfinished: from create until complete, abort or expiry, lazily by expiry.
import type { DomainContext } from './context.js';
import { errors } from './errors.js';
import type { QuotaLimits } from './quota-port.js';
import type { UploadRecord } from './upload.js';

type Claimant = Pick<UploadRecord, 'id' | 'tenant' | 'owner' | 'expiresAt' | 'fileSize'>;

function limitsFor(ctx: DomainContext, tenant: string): QuotaLimits {
  const { maxUnfinishedUploadsPerUser: maxUnfinished, tenantQuotas } = ctx.limits;
  const tenantBytes = tenantQuotas?.byTenant[tenant] ?? tenantQuotas?.defaultBytes;
  return { ...(maxUnfinished === undefined ? {} : { maxUnfinished }), ...(tenantBytes === undefined ? {} : { tenantBytes }) };
}

/**
 * Counts the record against its owner's cap (unless it is complete at once: a dedupe hit)
 * and its tenant's quota, or throws the refusal. Retry-After is when the user's earliest
 * unfinished upload expires: the moment a place frees by itself (finishing or aborting one
 * frees it sooner, which the message says).
 */
export async function takeQuota(ctx: DomainContext, record: Claimant, options: { unfinished: boolean }): Promise<void> {
  const limits = limitsFor(ctx, record.tenant);
  const bytes = record.fileSize ?? 0;
  const outcome = await ctx.repo.takeQuota(
    { tenant: record.tenant, owner: record.owner, id: record.id, bytes, ...(options.unfinished ? { unfinishedUntil: record.expiresAt } : {}) },
    limits,
  );
  if (outcome.taken) return;
  if (outcome.limit === 'unfinished') {
    const retryAfter = Math.max(1, Math.ceil((outcome.nextExpiry - ctx.clock.now()) / 1000));
    throw errors.tooManyUploads(
      `user ${record.owner} has ${outcome.unfinished} unfinished uploads, the most allowed (limits.max_unfinished_uploads_per_user = ${outcome.max}); ` +
        `complete or abort one, or retry in ${retryAfter} s when the earliest expires`,
      retryAfter,
    );
  }
  const asked = bytes > 0 ? `this upload's ${bytes} bytes would take it past` : 'an upload of undeclared size may not start at';
  throw errors.quotaExceeded(`tenant ${record.tenant} holds ${outcome.used} bytes of its ${outcome.quota}-byte quota; ${asked} the quota`);
}

/** takeQuota, then `create`; the claim is given back when `create` fails (nothing was made). */
export async function withQuota<T>(ctx: DomainContext, record: Claimant, options: { unfinished: boolean }, create: () => Promise<T>): Promise<T> {
  await takeQuota(ctx, record, options);
  try {
    return await create();
  } catch (error) {
    await ctx.repo.releaseQuota(record).catch(() => {});
    throw error;
  }
}

/** Complete: no longer unfinished; a size learned only now is counted now. */
export async function settleQuota(ctx: DomainContext, record: Claimant): Promise<void> {
  await ctx.repo.settleQuota({ tenant: record.tenant, owner: record.owner, id: record.id, bytes: record.fileSize ?? 0 });
}

/** Aborted, expired, or its object let go: it holds nothing any more. */
export async function releaseQuota(ctx: DomainContext, record: Claimant): Promise<void> {
  await ctx.repo.releaseQuota({ tenant: record.tenant, owner: record.owner, id: record.id });
}
