// The cap on unfinished uploads and the tenant byte quota in process memory: the same
// entries and the same answers as redis-quotas.ts, checked by the same contract suite.
// Each method runs to completion without awaiting, so check and count are atomic.
import type { Clock } from '../domain/clock.js';
import type { QuotaLedger } from '../domain/quota-port.js';
import { effectiveState } from '../domain/state-machine.js';
import type { UploadRecord } from '../domain/upload.js';

export function createMemoryQuotas(clock: Clock, peek: (id: string) => UploadRecord | undefined): QuotaLedger {
  // Per owner: upload id → when it stops counting as unfinished (redis-quotas.ts's sorted set).
  const unfinishedByOwner = new Map<string, Map<string, number>>();
  // Per tenant: upload id → bytes it holds.
  const bytesByTenant = new Map<string, Map<string, number>>();
  const ownerKey = (tenant: string, owner: string) => JSON.stringify([tenant, owner]);

  /** The owner's entries as of now: passed ones re-scored from a live record, or dropped. */
  function unfinishedOf(tenant: string, owner: string): Map<string, number> {
    const now = clock.now();
    const entries = unfinishedByOwner.get(ownerKey(tenant, owner)) ?? new Map<string, number>();
    unfinishedByOwner.set(ownerKey(tenant, owner), entries);
    for (const [id, until] of entries) {
      if (until >= now) continue;
      const record = peek(id);
      const state = record && effectiveState(record, now);
      if (record && (state === 'pending' || state === 'uploading')) entries.set(id, record.expiresAt);
      else entries.delete(id);
    }
    return entries;
  }

  function bytesOf(tenant: string): Map<string, number> {
    const entries = bytesByTenant.get(tenant) ?? new Map<string, number>();
    bytesByTenant.set(tenant, entries);
    return entries;
  }

  const sum = (entries: Map<string, number>) => [...entries.values()].reduce((total, n) => total + n, 0);

  return {
    async takeQuota(claim, limits) {
      const unfinished = unfinishedOf(claim.tenant, claim.owner);
      if (claim.unfinishedUntil !== undefined && limits.maxUnfinished !== undefined && unfinished.size >= limits.maxUnfinished) {
        return { taken: false, limit: 'unfinished', unfinished: unfinished.size, max: limits.maxUnfinished, nextExpiry: Math.min(...unfinished.values()) };
      }
      const bytes = bytesOf(claim.tenant);
      const used = sum(bytes);
      const quota = limits.tenantBytes;
      if (quota !== undefined && ((claim.bytes > 0 && used + claim.bytes > quota) || (claim.bytes === 0 && used >= quota))) {
        return { taken: false, limit: 'tenant_bytes', used, quota };
      }
      if (claim.unfinishedUntil !== undefined) unfinished.set(claim.id, claim.unfinishedUntil);
      if (claim.bytes > 0 && !bytes.has(claim.id)) bytes.set(claim.id, claim.bytes);
      return { taken: true };
    },
    async settleQuota(claim) {
      unfinishedByOwner.get(ownerKey(claim.tenant, claim.owner))?.delete(claim.id);
      const bytes = bytesOf(claim.tenant);
      if (claim.bytes > 0 && !bytes.has(claim.id)) bytes.set(claim.id, claim.bytes);
    },
    async releaseQuota(claim) {
      unfinishedByOwner.get(ownerKey(claim.tenant, claim.owner))?.delete(claim.id);
      bytesByTenant.get(claim.tenant)?.delete(claim.id);
    },
    async quotaUsage(tenant, owner) {
      return { unfinished: unfinishedOf(tenant, owner).size, tenantBytes: sum(bytesOf(tenant)) };
    },
  };
}
