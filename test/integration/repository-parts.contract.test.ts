// The part side of the repository contract, in depth: parts that do not fit Redis's compact
// slots (src/state/part-codec.ts) and their Lua, done reports in the batches a 10,000-part
// finish is split into, and the one-step signature of one part or many (recordSignedParts)
// with every reason it refuses — run against the memory
// repository, Redis, and a real 3-master Redis Cluster this file starts.
import { describe, expect, it } from 'vitest';
import type { SignStep } from '../../src/domain/ports.js';
import { STATES_BEFORE_COMPLETE } from '../../src/domain/state-machine.js';
import type { PartRecord } from '../../src/domain/upload.js';
import { HOUR, md5, memoryImplementation, clusterOfThisFile, redisImplementation, uploadRecord, useHarness, type ResumableRecord } from './repository-fixtures.js';

const clusterImplementation = clusterOfThisFile();

const hex = (n: number) => Buffer.from(md5(n), 'base64').toString('hex');

describe.each([memoryImplementation, redisImplementation, clusterImplementation])('UploadRepository parts contract: $name', (implementation) => {
  const h = useHarness(implementation);

  /** A step signing `part` for this record's owner, touching its expiry, reporting nothing. */
  const step = (record: ResumableRecord, part: PartRecord, more: Partial<SignStep> = {}): SignStep => ({
    expect: { tenant: record.tenant, owner: record.owner, uploadToken: record.uploadToken, states: STATES_BEFORE_COMPLETE },
    requireResumableId: false,
    done: [],
    parts: [part],
    touch: { updatedAt: h.clock.now(), expiresAt: h.clock.now() + 2 * HOUR },
    ...more,
  });

  it('keeps what no compact slot holds: odd MD5s, spellings, sizes and checks, through reports and re-signing', async () => {
    const record = uploadRecord(h.clock, { partCount: 200 });
    await h.repo.create(record);
    const parts: PartRecord[] = [
      { part: 1, md5: 'not-an-md5', done: false },
      { part: 2, md5: md5(2), size: 2 ** 50, done: false, checks: { md5: 'enforced', blake3: 'maybe' } },
      { part: 65, md5: md5(65), size: 1.5, done: false, checks: { sha256: 'unchecked', md5: 'if-sent' } },
      { part: 200, md5: md5(200), size: 7, done: true, reported: 'as the client wrote it' },
    ];
    for (const part of parts) await h.repo.recordPartSignature(record.id, part);
    expect(await h.repo.listParts(record.id)).toStrictEqual(parts);
    const result = await h.repo.markPartsDone(record.id, [
      { part: 1, md5: 'not-an-md5', reported: 'not-an-md5' },
      { part: 2, md5: md5(2), reported: hex(2).toUpperCase() },
      { part: 65, md5: md5(9) },
      { part: 200, md5: md5(200), reported: md5(200) },
      { part: 3 },
    ]);
    expect(result).toEqual({ conflicts: [65], unknown: [3] });
    expect(await h.repo.listParts(record.id)).toStrictEqual([
      { part: 1, md5: 'not-an-md5', done: true, reported: 'not-an-md5' },
      { part: 2, md5: md5(2), size: 2 ** 50, done: true, reported: hex(2).toUpperCase(), checks: { md5: 'enforced', blake3: 'maybe' } },
      { part: 65, md5: md5(65), size: 1.5, done: false, checks: { sha256: 'unchecked', md5: 'if-sent' } },
      { part: 200, md5: md5(200), size: 7, done: true, reported: md5(200) },
    ]);
    // A conflicting canonical MD5 against an odd one, and a re-signed part that starts over.
    expect(await h.repo.markPartsDone(record.id, [{ part: 1, md5: md5(1) }])).toEqual({ conflicts: [1], unknown: [] });
    await h.repo.recordPartSignature(record.id, { part: 1, md5: md5(1), done: false });
    await h.repo.markPartsDone(record.id, [{ part: 1, md5: md5(1), reported: 'odd spelling' }, { part: 1, reported: 'later spelling' }]);
    expect((await h.repo.listParts(record.id))[0]).toStrictEqual({ part: 1, md5: md5(1), done: true, reported: 'later spelling' });
    await h.repo.recordPartSignature(record.id, { part: 1, md5: md5(1), done: false });
    expect((await h.repo.listParts(record.id))[0]).toStrictEqual({ part: 1, md5: md5(1), done: false });
  });

  it('marks 1,500 reported parts done across batches, in the order reported, conflicts and unknown parts named', async () => {
    const record = uploadRecord(h.clock, { partCount: 1_500 });
    await h.repo.create(record);
    for (let part = 1_500; part >= 1; part--) await h.repo.recordPartSignature(record.id, { part, md5: md5(part % 250), size: 5, done: false });
    const reports = Array.from({ length: 1_502 }, (_, i) => {
      const part = 1_502 - i;
      return part === 700 || part === 3 ? { part, md5: md5(251) } : { part, md5: md5(part % 250), reported: hex(part % 250) };
    });
    expect(await h.repo.markPartsDone(record.id, reports)).toEqual({ conflicts: [700, 3], unknown: [1_502, 1_501] });
    const parts = await h.repo.listParts(record.id);
    expect(parts).toHaveLength(1_500);
    expect(parts.filter((p) => !p.done).map((p) => p.part)).toEqual([3, 700]);
    expect(parts[999]).toStrictEqual({ part: 1_000, md5: md5(0), size: 5, done: true, reported: hex(0) });
  });

  it('signs a part in one step: reports marked, the part recorded, activity and the multipart id kept, pending moved on', async () => {
    const record = uploadRecord(h.clock, { partCount: 10 });
    await h.repo.create(record);
    await h.repo.recordPartSignature(record.id, { part: 1, md5: md5(1), done: false });
    h.clock.advance(1_000);
    const touch = { updatedAt: h.clock.now(), expiresAt: h.clock.now() + 2 * HOUR, resumableId: 'mpu-1' };
    const result = await h.repo.recordSignedParts(record.id, step(record, { part: 2, md5: md5(2), size: 5_242_880, done: false }, { requireResumableId: true, done: [{ part: 1, md5: md5(1), reported: hex(1) }, { part: 9 }], touch }));
    const changed = { state: 'uploading', updatedAt: touch.updatedAt, expiresAt: touch.expiresAt, resumableId: 'mpu-1' };
    expect(result).toStrictEqual({ signed: true, changed });
    const expected = { ...record, ...changed };
    expect(await h.repo.get(record.id)).toStrictEqual(expected);
    expect(await h.repo.listParts(record.id)).toStrictEqual([
      { part: 1, md5: md5(1), done: true, reported: hex(1) },
      { part: 2, md5: md5(2), size: 5_242_880, done: false },
    ]);
    // The same id again is fine; a signature asked for without a report touches nothing.
    h.clock.advance(1_000);
    const again = await h.repo.recordSignedParts(record.id, step(record, { part: 1, md5: md5(3), done: false }, { requireResumableId: true, touch: { ...touch, resumableId: 'mpu-1' } }));
    expect(again?.signed).toBe(true);
    const { touch: _none, ...untouched } = step(record, { part: 3, md5: md5(3), done: false });
    expect(await h.repo.recordSignedParts(record.id, untouched)).toStrictEqual({ signed: true, changed });
    expect(await h.repo.get(record.id)).toStrictEqual(expected);
    expect((await h.repo.listParts(record.id)).map((p) => [p.part, p.md5, p.done])).toEqual([[1, md5(3), false], [2, md5(2), false], [3, md5(3), false]]);
    // A pending upload signed without a report still moves on, its updatedAt with it.
    const other = uploadRecord(h.clock);
    await h.repo.create(other);
    const { touch: _also, ...plain } = step(other, { part: 1, md5: md5(1), done: false });
    expect(await h.repo.recordSignedParts(other.id, plain)).toStrictEqual({ signed: true, changed: { state: 'uploading', updatedAt: h.clock.now(), expiresAt: other.expiresAt } });
    expect(await h.repo.get(other.id)).toStrictEqual({ ...other, state: 'uploading', updatedAt: h.clock.now() });
  });

  it('refuses a step, writing nothing, for another owner or token, a closed or expired upload, a missing or changed multipart id, or a conflicting report', async () => {
    const record = uploadRecord(h.clock, { partCount: 10 });
    await h.repo.create(record);
    await h.repo.recordPartSignature(record.id, { part: 1, md5: md5(1), done: false });
    const part = { part: 2, md5: md5(2), done: false };
    const refusals: Array<[string, SignStep]> = [
      ['another owner', step(record, part, { expect: { ...step(record, part).expect, owner: 'user-2' } })],
      ['another tenant', step(record, part, { expect: { ...step(record, part).expect, tenant: 'tenant-2' } })],
      ['another upload token', step(record, part, { expect: { ...step(record, part).expect, uploadToken: 'forged' } })],
      ['no multipart id anywhere', step(record, part, { requireResumableId: true })],
      ['a conflicting report', step(record, part, { done: [{ part: 1, md5: md5(7) }, { part: 2 }] })],
    ];
    for (const [reason, refused] of refusals) {
      const result = await h.repo.recordSignedParts(record.id, refused);
      expect(result, reason).toStrictEqual({ signed: false, record, conflicts: reason === 'a conflicting report' ? [1] : [] });
    }
    await h.repo.update(record.id, { resumableId: 'mpu-1' });
    const withId = { ...record, resumableId: 'mpu-1' };
    const changed = await h.repo.recordSignedParts(record.id, step(record, part, { requireResumableId: true, touch: { updatedAt: 1, expiresAt: 2, resumableId: 'mpu-2' } }));
    expect(changed).toStrictEqual({ signed: false, record: withId, conflicts: [] });
    h.clock.advance(HOUR + 1);
    expect((await h.repo.recordSignedParts(record.id, step(record, part)))?.signed).toBe(false);
    expect(await h.repo.transition(record.id, ['pending'], 'aborted', h.clock.now())).toBe(true);
    expect((await h.repo.recordSignedParts(record.id, step(record, part)))?.signed).toBe(false);
    expect(await h.repo.listParts(record.id)).toStrictEqual([{ part: 1, md5: md5(1), done: false }]);
    expect(await h.repo.get(record.id)).toStrictEqual({ ...withId, state: 'aborted', updatedAt: h.clock.now() });
    expect(await h.repo.recordSignedParts('uploads-unknown', step(record, part))).toBeUndefined();
  });

  it('signs many parts in one step, past one bounded script, with what no slot holds; a refused batch records none of them', async () => {
    const record = uploadRecord(h.clock, { partCount: 1_000 });
    await h.repo.create(record);
    await h.repo.recordPartSignature(record.id, { part: 7, md5: md5(7), done: true });
    // 600 parts: more than one script records (SIGN_BATCH in state/redis.ts), some with extras.
    const parts: PartRecord[] = Array.from({ length: 600 }, (_, i) => ({ part: i + 1, md5: md5(i), done: false, size: 5_242_880, checks: i % 100 === 0 ? { blake3: 'maybe' } : { md5: 'enforced' } }));
    parts[450] = { part: 451, md5: 'not-an-md5', done: false };
    const refused = await h.repo.recordSignedParts(record.id, step(record, parts[0] as PartRecord, { parts, done: [{ part: 7, md5: md5(8) }] }));
    expect(refused).toStrictEqual({ signed: false, record, conflicts: [7] });
    expect(await h.repo.listParts(record.id)).toStrictEqual([{ part: 7, md5: md5(7), done: true }]);
    const touch = { updatedAt: h.clock.now() + 1, expiresAt: h.clock.now() + 2 * HOUR };
    const result = await h.repo.recordSignedParts(record.id, step(record, parts[0] as PartRecord, { parts, touch }));
    expect(result).toStrictEqual({ signed: true, changed: { state: 'uploading', ...touch } });
    // Part 7 was signed again: it starts over, not done.
    expect(await h.repo.listParts(record.id)).toStrictEqual(parts);
    // No parts at all (a batch whose parts bind no MD5): only the touch.
    const none = await h.repo.recordSignedParts(record.id, step(record, parts[0] as PartRecord, { parts: [], touch: { ...touch, updatedAt: touch.updatedAt + 1 } }));
    expect(none).toStrictEqual({ signed: true, changed: { state: 'uploading', ...touch, updatedAt: touch.updatedAt + 1 } });
    expect(await h.repo.listParts(record.id)).toHaveLength(600);
  });

  it('keeps the upload findable for resume while signatures extend it', async () => {
    const record = uploadRecord(h.clock);
    await h.repo.create(record);
    for (let hour = 1; hour <= 5; hour++) {
      h.clock.advance(HOUR);
      const touch = { updatedAt: h.clock.now(), expiresAt: h.clock.now() + HOUR };
      expect((await h.repo.recordSignedParts(record.id, step(record, { part: 1, md5: md5(1), done: false }, { touch })))?.signed).toBe(true);
    }
    expect(await h.repo.findByResumeKey(record)).toBe(record.id);
  });
});
