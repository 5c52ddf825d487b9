// What the repository keeps for the per-user cap on unfinished uploads and the per-tenant
// byte quota (issue 9). Kept by the repository, not the domain, because the check and the
// count must be one atomic step across every broker process sharing the state store: two
// creates at the limit, exactly one wins (state/redis-quotas.ts does it in one Lua script).
// Every entry is kept per upload id, so settling or releasing twice changes nothing and the
// counts cannot drift the way bare counters do.

/** What a new upload takes from its owner's cap and its tenant's quota. */
export interface QuotaClaim {
  tenant: string;
  owner: string;
  id: string;
  /**
   * The upload's expiry: it counts as unfinished until then (later, if activity moved its
   * record's expiry on), or until settled or released. Absent: not unfinished at all — a
   * dedupe hit is complete the moment it is created.
   */
  unfinishedUntil?: number;
  /** Bytes counted against the tenant now: the declared size, or 0 when none was declared. */
  bytes: number;
}

/** Absent: no limit. */
export interface QuotaLimits {
  maxUnfinished?: number;
  tenantBytes?: number;
}

export type QuotaOutcome =
  | { taken: true }
  /** `nextExpiry`: when the earliest of the owner's unfinished uploads expires (ms since epoch). */
  | { taken: false; limit: 'unfinished'; unfinished: number; max: number; nextExpiry: number }
  | { taken: false; limit: 'tenant_bytes'; used: number; quota: number };

export interface QuotaUsage {
  /** The owner's unfinished uploads as of the caller's clock. */
  unfinished: number;
  /** Bytes counted against the tenant. */
  tenantBytes: number;
}

export interface QuotaLedger {
  /**
   * Counts the claim unless it would take the owner past `maxUnfinished` or the tenant past
   * `tenantBytes` (a claim of 0 bytes is refused once the tenant is at its quota); a refusal
   * changes nothing. Check and count are one atomic step.
   */
  takeQuota(claim: QuotaClaim, limits: QuotaLimits): Promise<QuotaOutcome>;
  /** The upload completed: no longer unfinished; `bytes` (its verified size) counted if none were. */
  settleQuota(claim: Pick<QuotaClaim, 'tenant' | 'owner' | 'id' | 'bytes'>): Promise<void>;
  /** The upload was aborted, expired, or let go of its object: it holds nothing any more. Idempotent. */
  releaseQuota(claim: Pick<QuotaClaim, 'tenant' | 'owner' | 'id'>): Promise<void>;
  quotaUsage(tenant: string, owner: string): Promise<QuotaUsage>;
}
