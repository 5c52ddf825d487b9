// One contract for every UploadRepository (STYLE.md 7), run against the memory repository,
// the Redis one on the real redis-server the global setup starts, and the Redis one on a
// real 3-master Redis Cluster this file starts. What only Redis has — TTLs, key layout,
// outages — is checked in redis-repository.test.ts and redis-cluster.test.ts.
import { describe, expect, it } from 'vitest';
import { SignpostError } from '../../src/domain/errors.js';
import type { UploadRecord } from '../../src/domain/upload.js';
import {
  HOUR,
  RETENTION,
  md5,
  memoryImplementation,
  clusterOfThisFile,
  redisImplementation,
  rejection,
  uploadRecord,
  useHarness,
} from './repository-fixtures.js';

const clusterImplementation = clusterOfThisFile();

describe.each([memoryImplementation, redisImplementation, clusterImplementation])('UploadRepository contract: $name', (implementation) => {
  const h = useHarness(implementation);

  it('returns what was created, optional fields included, and copies not the stored object', async () => {
    const full = uploadRecord(h.clock, { filePath: 'a/b', cacheEtag: '"e1"', cacheModified: 'Tue, 1 Jan', resumableId: 'r-1', public: true, tags: [] });
    const bare = uploadRecord(h.clock);
    await h.repo.create(full);
    await h.repo.create(bare);
    expect(await h.repo.get(full.id)).toStrictEqual(full);
    const got = await h.repo.get(bare.id);
    expect(got).toStrictEqual(bare);
    for (const field of ['filePath', 'cacheEtag', 'cacheModified', 'resumableId']) expect(got).not.toHaveProperty(field);
    got?.tags.push('mutated');
    full.tags.push('changed after create');
    expect((await h.repo.get(bare.id))?.tags).toEqual(['alpha']);
    expect((await h.repo.get(full.id))?.tags).toEqual([]);
    expect(await h.repo.get('uploads-unknown')).toBeUndefined();
  });

  it('updates some fields and leaves the rest', async () => {
    const record = uploadRecord(h.clock);
    await h.repo.create(record);
    const changes = { state: 'uploading', resumableId: 'mpu-1', updatedAt: record.updatedAt + 5, expiresAt: record.expiresAt + HOUR } as const;
    const updated = await h.repo.update(record.id, changes);
    expect(updated).toStrictEqual({ ...record, ...changes });
    expect(await h.repo.get(record.id)).toStrictEqual(updated);
    expect(await h.repo.update(record.id, {})).toStrictEqual(updated);
    expect(await h.repo.update('uploads-unknown', { state: 'aborted' })).toBeUndefined();
    expect(await h.repo.get('uploads-unknown')).toBeUndefined();
  });

  it('transitions only from an expected state (compare-and-set)', async () => {
    const record = uploadRecord(h.clock);
    await h.repo.create(record);
    expect(await h.repo.transition(record.id, ['pending'], 'uploading', record.createdAt + 1)).toBe(true);
    expect(await h.repo.get(record.id)).toMatchObject({ state: 'uploading', updatedAt: record.createdAt + 1 });
    expect(await h.repo.transition(record.id, ['pending', 'complete'], 'aborted', record.createdAt + 2)).toBe(false);
    expect(await h.repo.get(record.id)).toMatchObject({ state: 'uploading', updatedAt: record.createdAt + 1 });
    expect(await h.repo.transition('uploads-unknown', ['pending'], 'aborted', 1)).toBe(false);
  });

  it('records part signatures, lists them ascending, and a re-signed part starts over', async () => {
    const record = uploadRecord(h.clock);
    await h.repo.create(record);
    await h.repo.recordPartSignature(record.id, { part: 3, md5: md5(3), size: 100, done: false });
    await h.repo.recordPartSignature(record.id, { part: 1, md5: md5(1), size: 5_242_880, done: false });
    await h.repo.recordPartSignature(record.id, { part: 2, md5: md5(2), done: false });
    expect(await h.repo.markPartsDone(record.id, [{ part: 1 }, { part: 2, md5: md5(2) }])).toEqual({ conflicts: [], unknown: [] });
    expect(await h.repo.listParts(record.id)).toStrictEqual([
      { part: 1, md5: md5(1), size: 5_242_880, done: true },
      { part: 2, md5: md5(2), done: true },
      { part: 3, md5: md5(3), size: 100, done: false },
    ]);
    await h.repo.recordPartSignature(record.id, { part: 1, md5: md5(9), size: 5_242_880, done: false });
    expect((await h.repo.listParts(record.id))[0]).toStrictEqual({ part: 1, md5: md5(9), size: 5_242_880, done: false });
    expect(await h.repo.listParts('uploads-unknown')).toEqual([]);
  });

  it('refuses a reported MD5 that differs from the signed one and ignores unsigned parts', async () => {
    const record = uploadRecord(h.clock);
    await h.repo.create(record);
    await h.repo.recordPartSignature(record.id, { part: 1, md5: md5(1), done: false });
    await h.repo.recordPartSignature(record.id, { part: 2, md5: md5(2), done: false });
    const result = await h.repo.markPartsDone(record.id, [{ part: 1, md5: md5(7) }, { part: 2, md5: md5(2) }, { part: 5 }]);
    expect(result).toEqual({ conflicts: [1], unknown: [5] });
    expect(await h.repo.listParts(record.id)).toStrictEqual([
      { part: 1, md5: md5(1), done: false },
      { part: 2, md5: md5(2), done: true },
    ]);
  });

  it('keeps the MD5 in the spelling the client last reported, and only for parts it accepted', async () => {
    const record = uploadRecord(h.clock);
    await h.repo.create(record);
    await h.repo.recordPartSignature(record.id, { part: 1, md5: md5(1), done: false });
    await h.repo.recordPartSignature(record.id, { part: 2, md5: md5(2), done: false });
    const hex = (n: number) => Buffer.from(md5(n), 'base64').toString('hex');
    const result = await h.repo.markPartsDone(record.id, [{ part: 1, md5: md5(1), reported: hex(1) }, { part: 2, md5: md5(9), reported: hex(9) }]);
    expect(result).toEqual({ conflicts: [2], unknown: [] });
    expect(await h.repo.listParts(record.id)).toStrictEqual([
      { part: 1, md5: md5(1), done: true, reported: hex(1) },
      { part: 2, md5: md5(2), done: false },
    ]);
    // A later report in the other spelling replaces it; one without an MD5 leaves it.
    await h.repo.markPartsDone(record.id, [{ part: 1, md5: md5(1), reported: md5(1) }]);
    await h.repo.markPartsDone(record.id, [{ part: 1 }]);
    expect((await h.repo.listParts(record.id))[0]).toStrictEqual({ part: 1, md5: md5(1), done: true, reported: md5(1) });
  });

  it('stores a record without a declared size or MD5, and indexes it for listing but not for resume', async () => {
    const { fileSize: _size, fileMd5: _md5, ...undeclared } = uploadRecord(h.clock, { fileName: 'from-uppy.bin', integrity: 'listed-etags' });
    await h.repo.create(undeclared);
    expect(await h.repo.get(undeclared.id)).toStrictEqual(undeclared);
    expect((await h.repo.list({ tenant: undeclared.tenant, owner: undeclared.owner, limit: 10, offset: 0 })).items.map((r) => r.id)).toContain(undeclared.id);
    const learned = await h.repo.update(undeclared.id, { fileSize: 42 });
    expect(learned).toStrictEqual({ ...undeclared, fileSize: 42 });
  });

  it('answers not_found when recording parts of an upload that does not exist', async () => {
    const missing = await rejection(h.repo.recordPartSignature('uploads-unknown', { part: 1, md5: md5(1), done: false }));
    expect(missing).toBeInstanceOf(SignpostError);
    expect(missing).toMatchObject({ code: 'not_found' });
    expect(await rejection(h.repo.markPartsDone('uploads-unknown', [{ part: 1 }]))).toMatchObject({ code: 'not_found' });
  });

  it('loses no part when 30 parts are signed and reported done in parallel', async () => {
    const record = uploadRecord(h.clock, { partCount: 30 });
    await h.repo.create(record);
    // Where state is shared, half the calls come through a second instance, as from a second broker.
    const peer = implementation.shared ? implementation.open(h.clock, h.prefix) : h.repo;
    const numbers = Array.from({ length: 30 }, (_, index) => index + 1);
    await Promise.all(
      numbers.map(async (part) => {
        const repo = part % 2 === 0 ? peer : h.repo;
        // Jitter so the calls' round trips interleave rather than queue up in order.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
        await repo.recordPartSignature(record.id, { part, md5: md5(part), size: 5_242_880, done: false });
        expect(await repo.markPartsDone(record.id, [{ part, md5: md5(part) }])).toEqual({ conflicts: [], unknown: [] });
      }),
    );
    if (peer !== h.repo) await peer.close();
    const parts = await h.repo.listParts(record.id);
    expect(parts.map((p) => p.part)).toEqual(numbers);
    expect(parts.every((p) => p.done && p.md5 === md5(p.part))).toBe(true);
  });

  it('finds the newest upload of the same file by the same owner in the same tenant', async () => {
    const first = uploadRecord(h.clock);
    await h.repo.create(first);
    const key = { tenant: first.tenant, owner: first.owner, fileName: first.fileName, fileSize: first.fileSize, fileMd5: first.fileMd5 };
    expect(await h.repo.findByResumeKey(key)).toBe(first.id);
    for (const other of [{ fileSize: 1 }, { fileMd5: md5(1) }, { owner: 'user-2' }, { tenant: 'tenant-2' }, { fileName: 'holiday photos.zip' }]) {
      expect(await h.repo.findByResumeKey({ ...key, ...other })).toBeUndefined();
    }
    const second = uploadRecord(h.clock, { createdAt: first.createdAt + 1 });
    await h.repo.create(second);
    expect(await h.repo.findByResumeKey(key)).toBe(second.id);
  });

  it('lists one owner’s uploads newest first, filtered, counted, then paged', async () => {
    const t = h.clock.now();
    const mine = [
      uploadRecord(h.clock, { fileName: 'Report-2024.pdf', tags: ['finance', 'q1'], createdAt: t + 1 }),
      uploadRecord(h.clock, { fileName: 'report-draft.docx', tags: ['finance'], storageId: 'store-azure', createdAt: t + 2 }),
      uploadRecord(h.clock, { fileName: 'cat.png', tags: [], createdAt: t + 3 }),
      uploadRecord(h.clock, { fileName: 'REPORT final.pdf', tags: ['q1', 'finance', 'x'], createdAt: t + 4 }),
    ];
    const others = [uploadRecord(h.clock, { owner: 'user-2', fileName: 'report.pdf' }), uploadRecord(h.clock, { tenant: 'tenant-2', fileName: 'report.pdf' })];
    for (const record of [...mine, ...others]) await h.repo.create(record);
    const ids = (result: { items: UploadRecord[] }) => result.items.map((r) => r.id);
    const query = { tenant: 'tenant-1', owner: 'user-1', limit: 10, offset: 0 };

    expect(ids(await h.repo.list(query))).toEqual([mine[3], mine[2], mine[1], mine[0]].map((r) => r?.id));
    expect((await h.repo.list(query)).items[0]).toStrictEqual(mine[3]);
    const reports = await h.repo.list({ ...query, search: 'rEpOrT' });
    expect([ids(reports), reports.total]).toEqual([[mine[3], mine[1], mine[0]].map((r) => r?.id), 3]);
    expect(ids(await h.repo.list({ ...query, tags: ['finance', 'q1'] }))).toEqual([mine[3]?.id, mine[0]?.id]);
    expect(ids(await h.repo.list({ ...query, storageId: 'store-azure' }))).toEqual([mine[1]?.id]);
    const page = await h.repo.list({ ...query, search: 'report', limit: 1, offset: 1 });
    expect([ids(page), page.total]).toEqual([[mine[1]?.id], 3]);
    expect(await h.repo.list({ ...query, offset: 10 })).toEqual({ items: [], total: 4 });
    expect(ids(await h.repo.list({ ...query, owner: 'user-2' }))).toEqual([others[0]?.id]);
    expect(ids(await h.repo.list({ ...query, tenant: 'tenant-2' }))).toEqual([others[1]?.id]);
    expect(await h.repo.list({ ...query, owner: 'nobody' })).toEqual({ items: [], total: 0 });
  });

  it('forgets unfinished uploads once expiry plus retention has passed, and keeps complete ones', async () => {
    const unfinished = uploadRecord(h.clock, { fileName: 'unfinished.bin' });
    const complete = uploadRecord(h.clock, { fileName: 'complete.bin' });
    const extended = uploadRecord(h.clock, { fileName: 'extended.bin' });
    for (const record of [unfinished, complete, extended]) await h.repo.create(record);
    await h.repo.recordPartSignature(unfinished.id, { part: 1, md5: md5(1), done: false });
    expect(await h.repo.transition(complete.id, ['pending'], 'complete', h.clock.now())).toBe(true);
    await h.repo.update(extended.id, { expiresAt: extended.expiresAt + HOUR });
    expect(await h.repo.findByResumeKey(unfinished)).toBe(unfinished.id);

    h.clock.advance(HOUR + RETENTION);
    expect(await h.repo.get(unfinished.id)).toMatchObject({ id: unfinished.id });
    h.clock.advance(1);
    expect(await h.repo.get(unfinished.id)).toBeUndefined();
    expect(await h.repo.listParts(unfinished.id)).toEqual([]);
    expect(await h.repo.findByResumeKey(unfinished)).toBeUndefined();
    expect(await h.repo.transition(unfinished.id, ['pending'], 'aborted', h.clock.now())).toBe(false);
    expect(await h.repo.update(unfinished.id, { expiresAt: h.clock.now() + HOUR })).toBeUndefined();
    expect(await rejection(h.repo.recordPartSignature(unfinished.id, { part: 2, md5: md5(2), done: false }))).toMatchObject({ code: 'not_found' });
    expect(await h.repo.get(extended.id)).toMatchObject({ id: extended.id });
    expect(await h.repo.findByResumeKey(extended)).toBe(extended.id);

    h.clock.advance(365 * 24 * HOUR);
    expect(await h.repo.get(complete.id)).toMatchObject({ id: complete.id, state: 'complete' });
    expect(await h.repo.get(extended.id)).toBeUndefined();
    const listed = await h.repo.list({ tenant: 'tenant-1', owner: 'user-1', limit: 10, offset: 0 });
    expect([listed.items.map((r) => r.id), listed.total]).toEqual([[complete.id], 1]);
  });
});
