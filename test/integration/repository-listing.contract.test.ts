// The repository contract for listing (issue 9: served from an index, not by reading every
// upload): pages and totals stay exact when records beyond the page, or on it, have been
// forgotten, and filtered queries page and count correctly across more than one batch of
// the Redis scan (redis-listing.ts) — against memory, Redis and a Redis Cluster.
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import type { UploadRecord } from '../../src/domain/upload.js';
import { HOUR, RETENTION, memoryImplementation, clusterOfThisFile, redisImplementation, uploadRecord, useHarness } from './repository-fixtures.js';

const clusterImplementation = clusterOfThisFile();

const ids = (result: { items: UploadRecord[] }) => result.items.map((r) => r.id);

describe.each([memoryImplementation, redisImplementation, clusterImplementation])('UploadRepository contract (listing): $name', (implementation) => {
  const h = useHarness(implementation);
  const query = { tenant: 'tenant-1', owner: 'user-1', limit: 10, offset: 0 };

  async function createAll(records: UploadRecord[]): Promise<void> {
    for (let start = 0; start < records.length; start += 100) await Promise.all(records.slice(start, start + 100).map((r) => h.repo.create(r)));
  }

  it('counts only what is still there: forgotten uploads beyond the page leave the total', async () => {
    const t = h.clock.now();
    const complete = [uploadRecord(h.clock, { createdAt: t + 1 }), uploadRecord(h.clock, { createdAt: t + 2 })];
    const unfinished = Array.from({ length: 5 }, (_, n) => uploadRecord(h.clock, { createdAt: t - 10 + n }));
    await createAll([...complete, ...unfinished]);
    for (const record of complete) expect(await h.repo.transition(record.id, ['pending'], 'complete', t)).toBe(true);
    expect((await h.repo.list({ ...query, limit: 1 })).total).toBe(7);
    h.clock.advance(HOUR + RETENTION + 1);
    const first = await h.repo.list({ ...query, limit: 1 });
    expect([ids(first), first.total]).toEqual([[complete[1]?.id], 2]);
    expect(await h.repo.list({ ...query, limit: 1, offset: 2 })).toEqual({ items: [], total: 2 });
  });

  it('a backlog of forgotten uploads larger than one round of pruning leaves the total at once', async () => {
    // The newest, so the page itself meets none of the forgotten ones: only pruning removes them.
    const kept = uploadRecord(h.clock, { createdAt: h.clock.now() + 1_000 });
    await createAll([kept, ...Array.from({ length: 450 }, (_, n) => uploadRecord(h.clock, { createdAt: h.clock.now() + n }))]);
    await h.repo.transition(kept.id, ['pending'], 'complete', h.clock.now());
    h.clock.advance(HOUR + RETENTION + 1);
    const page = await h.repo.list({ ...query, limit: 1 });
    expect([ids(page), page.total]).toEqual([[kept.id], 1]);
  });

  it('fills a page past forgotten uploads on it', async () => {
    const t = h.clock.now();
    const kept = [uploadRecord(h.clock, { createdAt: t + 1 }), uploadRecord(h.clock, { createdAt: t + 2 }), uploadRecord(h.clock, { createdAt: t + 3 })];
    const forgotten = [uploadRecord(h.clock, { createdAt: t + 4 }), uploadRecord(h.clock, { createdAt: t + 5 })];
    await createAll([...kept, ...forgotten]);
    for (const record of kept) await h.repo.update(record.id, { expiresAt: record.expiresAt + 2 * RETENTION + 2 * HOUR });
    h.clock.advance(HOUR + RETENTION + 1);
    const page = await h.repo.list({ ...query, limit: 2 });
    expect([ids(page), page.total]).toEqual([[kept[2]?.id, kept[1]?.id], 3]);
    expect(ids(await h.repo.list({ ...query, limit: 2, offset: 2 }))).toEqual([kept[0]?.id]);
  });

  it('a complete upload aborted long after it completed leaves the listing once forgotten', async () => {
    const record = uploadRecord(h.clock);
    await h.repo.create(record);
    await h.repo.transition(record.id, ['pending'], 'complete', h.clock.now());
    h.clock.advance(30 * 24 * HOUR);
    expect((await h.repo.list(query)).total).toBe(1);
    await h.repo.transition(record.id, ['complete'], 'aborted', h.clock.now());
    h.clock.advance(RETENTION + 1);
    expect(await h.repo.list(query)).toEqual({ items: [], total: 0 });
  });

  it('filters, pages and counts across 1,200 uploads (more than one batch of the scan)', async () => {
    const t = h.clock.now();
    const records = Array.from({ length: 1_200 }, (_, n) =>
      uploadRecord(h.clock, {
        createdAt: t + n,
        fileName: n % 5 === 0 ? `Clip-${n}.MP4` : `photo-${n}.jpg`,
        tags: n % 3 === 0 ? ['signage', 'lobby'] : ['signage'],
        storageId: n % 2 === 0 ? 'store-s3' : 'store-azure',
      }),
    );
    const strangers = [uploadRecord(h.clock, { owner: 'user-2', fileName: 'clip.mp4', tags: ['lobby'] })];
    await createAll([...records, ...strangers]);
    const newest = [...records].reverse();
    const expected = (keep: (r: UploadRecord) => boolean, offset: number, limit: number) => {
      const matches = newest.filter(keep);
      return { ids: matches.slice(offset, offset + limit).map((r) => r.id), total: matches.length };
    };
    const cases = [
      { filter: { search: 'clip' }, keep: (r: UploadRecord) => r.fileName.toLowerCase().includes('clip'), offset: 230, limit: 7 },
      { filter: { tags: ['lobby', 'signage'] }, keep: (r: UploadRecord) => r.tags.includes('lobby'), offset: 395, limit: 10 },
      { filter: { storageId: 'store-azure' }, keep: (r: UploadRecord) => r.storageId === 'store-azure', offset: 0, limit: 3 },
      { filter: { storageId: 'store-azure', search: 'CLIP', tags: ['lobby'] }, keep: (r: UploadRecord) => r.storageId === 'store-azure' && r.fileName.includes('Clip') && r.tags.includes('lobby'), offset: 35, limit: 50 },
    ];
    for (const { filter, keep, offset, limit } of cases) {
      const result = await h.repo.list({ ...query, ...filter, offset, limit });
      expect({ ids: ids(result), total: result.total }).toEqual(expected(keep, offset, limit));
    }
    const plain = await h.repo.list({ ...query, offset: 1_195, limit: 10 });
    expect({ ids: ids(plain), total: plain.total }).toEqual(expected(() => true, 1_195, 10));
    expect((await h.repo.list({ ...query, limit: 1 })).items[0]).toStrictEqual(newest[0]);
  });
});

// What only Redis has: uploads indexed before the per-owner facts hash existed (or whose facts
// were lost) are read from their records once, and their facts written back.
describe('Redis listing: uploads indexed without filter facts', () => {
  const h = useHarness(redisImplementation);
  it('filters them from their records and writes their facts back', async () => {
    const t = h.clock.now();
    const records = [uploadRecord(h.clock, { createdAt: t + 1, fileName: 'lobby.mp4' }), uploadRecord(h.clock, { createdAt: t + 2, fileName: 'hall.mp4', storageId: 'store-azure' })];
    for (const record of records) await h.repo.create(record);
    const admin = new Redis(inject('redis').url);
    try {
      const [factsKey] = await admin.keys(`${h.prefix}:owner:*:facts`);
      expect(await admin.hlen(factsKey ?? 'missing')).toBe(2);
      await admin.del(factsKey ?? 'missing');
      const found = await h.repo.list({ ...{ tenant: 'tenant-1', owner: 'user-1', limit: 10, offset: 0 }, search: 'LOBBY' });
      expect([ids(found), found.total]).toEqual([[records[0]?.id], 1]);
      expect(await admin.hlen(factsKey ?? 'missing')).toBe(2);
      const azure = await h.repo.list({ tenant: 'tenant-1', owner: 'user-1', limit: 10, offset: 0, storageId: 'store-azure' });
      expect([ids(azure), azure.total]).toEqual([[records[1]?.id], 1]);
    } finally {
      admin.disconnect();
    }
  });
});
