// The repository contract for issue 9's limits (domain/quota-port.ts): the cap on one
// user's unfinished uploads and the tenant byte quota, checked and counted in one atomic
// step — against memory, Redis and a Redis Cluster. Concurrent claims at a limit: exactly
// one wins, also from two repositories sharing one Redis (two broker processes).
import { describe, expect, it } from 'vitest';
import type { QuotaClaim } from '../../src/domain/ports.js';
import { HOUR, memoryImplementation, clusterOfThisFile, redisImplementation, uploadRecord, useHarness, type Repository } from './repository-fixtures.js';

const clusterImplementation = clusterOfThisFile();

describe.each([memoryImplementation, redisImplementation, clusterImplementation])('UploadRepository contract (cap and quota): $name', (implementation) => {
  const h = useHarness(implementation);
  let serial = 0;
  const claim = (overrides: Partial<QuotaClaim> = {}): QuotaClaim => ({
    tenant: 'acme', owner: 'alice', id: `uploads-q${(serial += 1)}`, unfinishedUntil: h.clock.now() + HOUR, bytes: 100, ...overrides,
  });
  const usage = () => h.repo.quotaUsage('acme', 'alice');

  it('counts unfinished uploads up to the cap; over it refuses with the count and the earliest expiry, changing nothing', async () => {
    const first = claim({ unfinishedUntil: h.clock.now() + HOUR });
    expect(await h.repo.takeQuota(first, { maxUnfinished: 2 })).toEqual({ taken: true });
    h.clock.advance(1_000);
    expect(await h.repo.takeQuota(claim(), { maxUnfinished: 2 })).toEqual({ taken: true });
    expect(await usage()).toEqual({ unfinished: 2, tenantBytes: 200 });
    const refused = await h.repo.takeQuota(claim(), { maxUnfinished: 2 });
    expect(refused).toEqual({ taken: false, limit: 'unfinished', unfinished: 2, max: 2, nextExpiry: first.unfinishedUntil });
    expect(await usage()).toEqual({ unfinished: 2, tenantBytes: 200 });
    // Other users and tenants have their own.
    expect(await h.repo.takeQuota(claim({ owner: 'bob' }), { maxUnfinished: 2 })).toEqual({ taken: true });
    expect(await h.repo.takeQuota(claim({ tenant: 'other' }), { maxUnfinished: 2 })).toEqual({ taken: true });
  });

  it('refuses bytes past the tenant quota (and an undeclared size once at it), changing nothing', async () => {
    expect(await h.repo.takeQuota(claim({ bytes: 600 }), { tenantBytes: 1_000 })).toEqual({ taken: true });
    expect(await h.repo.takeQuota(claim({ bytes: 500 }), { tenantBytes: 1_000 })).toEqual({ taken: false, limit: 'tenant_bytes', used: 600, quota: 1_000 });
    expect(await h.repo.takeQuota(claim({ bytes: 0 }), { tenantBytes: 1_000 })).toEqual({ taken: true });
    expect(await h.repo.takeQuota(claim({ bytes: 400 }), { tenantBytes: 1_000 })).toEqual({ taken: true });
    expect(await h.repo.takeQuota(claim({ bytes: 0 }), { tenantBytes: 1_000 })).toEqual({ taken: false, limit: 'tenant_bytes', used: 1_000, quota: 1_000 });
    expect(await usage()).toEqual({ unfinished: 3, tenantBytes: 1_000 });
    // Another user of the tenant shares its quota; another tenant does not.
    expect(await h.repo.takeQuota(claim({ owner: 'bob', bytes: 1 }), { tenantBytes: 1_000 })).toMatchObject({ taken: false, limit: 'tenant_bytes' });
    expect(await h.repo.takeQuota(claim({ tenant: 'other', bytes: 1_000 }), { tenantBytes: 1_000 })).toEqual({ taken: true });
  });

  it('counts bytes exactly at sizes past 2^32 (a 5 TiB quota)', async () => {
    const TiB = 1024 ** 4;
    expect(await h.repo.takeQuota(claim({ bytes: 3 * TiB + 1 }), { tenantBytes: 5 * TiB })).toEqual({ taken: true });
    expect(await h.repo.takeQuota(claim({ bytes: 2 * TiB }), { tenantBytes: 5 * TiB })).toEqual({ taken: false, limit: 'tenant_bytes', used: 3 * TiB + 1, quota: 5 * TiB });
    const fits = claim({ bytes: 2 * TiB - 1 });
    expect(await h.repo.takeQuota(fits, { tenantBytes: 5 * TiB })).toEqual({ taken: true });
    await h.repo.releaseQuota(fits);
    await h.repo.settleQuota({ ...claim(), bytes: 1234567890123 });
    expect((await usage()).tenantBytes).toBe(3 * TiB + 1 + 1234567890123);
  });

  it('a claim that is never unfinished (a dedupe hit) counts its bytes but not against the cap', async () => {
    await h.repo.takeQuota(claim(), { maxUnfinished: 1 });
    const { unfinishedUntil: _never, ...complete } = claim({ bytes: 50 });
    expect(await h.repo.takeQuota(complete, { maxUnfinished: 1 })).toEqual({ taken: true });
    expect(await usage()).toEqual({ unfinished: 1, tenantBytes: 150 });
  });

  it('settling ends the unfinished count and counts a size learned at completion once; releasing gives all back, once', async () => {
    const declared = claim({ bytes: 300 });
    const undeclared = claim({ bytes: 0 });
    await h.repo.takeQuota(declared, {});
    await h.repo.takeQuota(undeclared, {});
    expect(await usage()).toEqual({ unfinished: 2, tenantBytes: 300 });
    await h.repo.settleQuota({ ...declared, bytes: 300 });
    await h.repo.settleQuota({ ...undeclared, bytes: 70 });
    await h.repo.settleQuota({ ...undeclared, bytes: 70 });
    expect(await usage()).toEqual({ unfinished: 0, tenantBytes: 370 });
    await h.repo.releaseQuota(declared);
    await h.repo.releaseQuota(declared);
    expect(await usage()).toEqual({ unfinished: 0, tenantBytes: 70 });
    const open = claim({ bytes: 10 });
    await h.repo.takeQuota(open, {});
    await h.repo.releaseQuota(open);
    expect(await usage()).toEqual({ unfinished: 0, tenantBytes: 70 });
  });

  it('an upload stops counting as unfinished when it expires, with no sweep — unless activity moved its expiry on', async () => {
    const idle = uploadRecord(h.clock, { tenant: 'acme', owner: 'alice' });
    const busy = uploadRecord(h.clock, { tenant: 'acme', owner: 'alice' });
    for (const record of [idle, busy]) {
      await h.repo.create(record);
      expect(await h.repo.takeQuota(claim({ id: record.id, unfinishedUntil: record.expiresAt }), { maxUnfinished: 2 })).toEqual({ taken: true });
    }
    await h.repo.update(busy.id, { expiresAt: busy.expiresAt + 2 * HOUR });
    expect(await h.repo.takeQuota(claim(), { maxUnfinished: 2 })).toMatchObject({ taken: false, unfinished: 2, nextExpiry: idle.expiresAt });
    h.clock.advance(HOUR + 1);
    expect(await usage()).toMatchObject({ unfinished: 1 });
    expect(await h.repo.takeQuota(claim({ unfinishedUntil: h.clock.now() + 3 * HOUR }), { maxUnfinished: 2 })).toEqual({ taken: true });
    // The earliest expiry now is the busy upload's, as activity moved it.
    expect(await h.repo.takeQuota(claim(), { maxUnfinished: 2 })).toEqual({ taken: false, limit: 'unfinished', unfinished: 2, max: 2, nextExpiry: busy.expiresAt + 2 * HOUR });
  });

  it('concurrent claims at the cap: exactly one wins, also from a second repository on the same state', async () => {
    await h.repo.takeQuota(claim(), { maxUnfinished: 3 });
    await h.repo.takeQuota(claim(), { maxUnfinished: 3 });
    const second: Repository = implementation.shared ? implementation.open(h.clock, h.prefix) : h.repo;
    try {
      const outcomes = await Promise.all(Array.from({ length: 12 }, (_, n) => (n % 2 === 0 ? h.repo : second).takeQuota(claim(), { maxUnfinished: 3 })));
      expect(outcomes.filter((o) => o.taken)).toHaveLength(1);
      expect(await usage()).toMatchObject({ unfinished: 3 });
    } finally {
      if (second !== h.repo) await second.close();
    }
  });

  it('concurrent claims at the quota: exactly one wins, also from a second repository on the same state', async () => {
    await h.repo.takeQuota(claim({ bytes: 900 }), { tenantBytes: 1_000 });
    const second: Repository = implementation.shared ? implementation.open(h.clock, h.prefix) : h.repo;
    try {
      const outcomes = await Promise.all(Array.from({ length: 12 }, (_, n) => (n % 2 === 0 ? h.repo : second).takeQuota(claim({ bytes: 60 }), { tenantBytes: 1_000 })));
      expect(outcomes.filter((o) => o.taken)).toHaveLength(1);
      expect(await usage()).toMatchObject({ tenantBytes: 960 });
    } finally {
      if (second !== h.repo) await second.close();
    }
  });
});
