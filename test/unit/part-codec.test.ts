// The compact part slots (src/state/part-codec.ts) round-trip every part a repository may be
// given, and spill to their own fields exactly what a slot cannot hold. The Lua side is
// checked against Redis by the repository contract suites.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PartRecord } from '../../src/domain/upload.js';
import { decodePartsHash, encodeDoneReport, encodePartSlot, FLAG, PACKED_AS_TRIPLE, PACKED_REPORT_BYTES, packDoneReports, PARTS_PER_BUCKET, SLOT_BYTES, slotOf } from '../../src/state/part-codec.js';

const md5 = (n: number) => createHash('md5').update(String(n)).digest('base64');
const hex = (n: number) => Buffer.from(md5(n), 'base64').toString('hex');

/** The hash a repository would hold for these parts, built the way the scripts write it. */
function hashOf(parts: PartRecord[]): Record<string, Buffer> {
  const hash: Record<string, Buffer> = {};
  for (const part of parts) {
    const { slot, fields } = encodePartSlot(part);
    const { field, offset } = slotOf(part.part);
    const bucket = hash[field] ?? Buffer.alloc(0);
    const grown = Buffer.concat([bucket, Buffer.alloc(Math.max(0, offset + SLOT_BYTES - bucket.length))]);
    slot.copy(grown, offset);
    hash[field] = grown;
    for (const [name, value] of fields) hash[name] = Buffer.from(value);
  }
  return hash;
}

describe('part slots', () => {
  it('round-trip parts that fit a slot, with no field beside it', () => {
    const parts: PartRecord[] = [
      { part: 1, md5: md5(1), done: false },
      { part: 2, md5: md5(2), size: 5_242_880, done: true },
      { part: 3, md5: md5(3), size: 0, done: true, reported: hex(3) },
      { part: 4, md5: md5(4), done: true, reported: hex(4).toUpperCase() },
      { part: 5, md5: md5(5), done: true, reported: md5(5) },
      { part: 6, md5: md5(6), size: 2 ** 48 - 1, done: false, checks: { md5: 'enforced', sha256: 'unchecked', crc64: 'if-sent' } },
      { part: 7, md5: md5(7), done: false, checks: {} },
      { part: 10_000, md5: md5(10_000), size: 1, done: true },
    ];
    for (const part of parts) expect(encodePartSlot(part).fields, `part ${part.part}`).toEqual([]);
    expect(decodePartsHash(hashOf(parts))).toStrictEqual(parts);
  });

  it('spill what a slot cannot hold into fields of their own, and read it back', () => {
    const parts: PartRecord[] = [
      { part: 1, md5: 'not base64 of an md5', done: false },
      { part: 2, md5: md5(2), size: 2 ** 48, done: true },
      { part: 3, md5: md5(3), size: 1.5, done: true },
      { part: 4, md5: md5(4), done: true, reported: md5(4).replace(/=+$/, '') },
      { part: 5, md5: 'bWQ1', done: true, reported: 'bWQ1' },
      { part: 6, md5: md5(6), done: false, checks: { md5: 'enforced', blake3: 'enforced' } },
      { part: 7, md5: md5(7), done: false, checks: { md5: 'sometimes' } },
    ];
    const hash = hashOf(parts);
    expect(Object.keys(hash).sort()).toEqual(['b0', 'm1', 'm5', 'r4', 'r5', 'x2', 'x3', 'x6', 'x7']);
    expect(decodePartsHash(hash)).toStrictEqual(parts);
  });

  it('put PARTS_PER_BUCKET parts in a bucket, at most 25 bytes a part', () => {
    const parts = Array.from({ length: 3 * PARTS_PER_BUCKET + 1 }, (_, i): PartRecord => ({ part: i + 1, md5: md5(i + 1), size: 5_242_880, done: i % 2 === 0, reported: hex(i + 1), checks: { md5: 'enforced' } }));
    const hash = hashOf(parts);
    expect(Object.keys(hash)).toEqual(['b0', 'b1', 'b2', 'b3']);
    expect(hash['b0']?.length).toBe(PARTS_PER_BUCKET * SLOT_BYTES);
    expect(hash['b3']?.length).toBe(SLOT_BYTES);
    expect(decodePartsHash(hash)).toStrictEqual(parts);
  });

  it('skip empty slots and refuse what is not a bucket', () => {
    const hash = hashOf([{ part: 3, md5: md5(3), done: false }]);
    expect(hash['b0']?.length).toBe(3 * SLOT_BYTES);
    expect(decodePartsHash(hash)).toStrictEqual([{ part: 3, md5: md5(3), done: false }]);
    expect(() => decodePartsHash({ ...hash, '7': Buffer.from('{"md5":"a","done":true}') })).toThrow(/corrupt part/);
    expect(() => decodePartsHash({ b0: Buffer.alloc(SLOT_BYTES + 1) })).toThrow(/corrupt part/);
    const missingMd5 = Buffer.alloc(SLOT_BYTES);
    missingMd5[0] = FLAG.present | FLAG.extras | FLAG.md5Extra;
    expect(() => decodePartsHash({ b0: missingMd5 })).toThrow(/corrupt part/);
    const { slot } = encodePartSlot({ part: 1, md5: md5(1), size: 2 ** 50, done: false });
    expect(() => decodePartsHash({ b0: slot, x1: Buffer.from('{"size":"big"}') })).toThrow(/corrupt part/);
  });

  it('encode done reports as the scripts compare them: binary MD5 when canonical, the spelling as a code when it can be', () => {
    expect(encodeDoneReport({ part: 4 })).toEqual([4, '', '-']);
    expect(encodeDoneReport({ part: 4, reported: 'x' })).toEqual([4, '', '-rx']);
    expect(encodeDoneReport({ part: 4, md5: md5(4), reported: hex(4) })).toEqual([4, Buffer.from(md5(4), 'base64'), 'b2']);
    expect(encodeDoneReport({ part: 4, md5: md5(4) })).toEqual([4, Buffer.from(md5(4), 'base64'), 'b']);
    expect(encodeDoneReport({ part: 4, md5: md5(4), reported: md5(4) })[2]).toBe('b1');
    expect(encodeDoneReport({ part: 4, md5: md5(4), reported: hex(4).toUpperCase() })[2]).toBe('b3');
    expect(encodeDoneReport({ part: 4, md5: md5(4), reported: 'other' })[2]).toBe('brother');
    expect(encodeDoneReport({ part: 4, md5: 'bWQ1', reported: 'bWQ1' })).toEqual([4, 'bWQ1', 'rrbWQ1']);
    // Base64 of 16 bytes whose last character carries bits it should not is not canonical.
    expect(encodeDoneReport({ part: 4, md5: `${md5(4).slice(0, 21)}B==` })[2]).toBe('r');
  });

  it('pack done reports in report order: the common ones in 21 bytes each, the rest as triples in their place', () => {
    const reports = [{ part: 70_000, md5: md5(1), reported: hex(1) }, { part: 2, md5: md5(2), reported: 'other' }, { part: 3 }, { part: 4, md5: md5(4) }, { part: 5, md5: md5(5), reported: hex(5).toUpperCase() }];
    const { packed, triples } = packDoneReports(reports);
    expect(packed).toHaveLength(5 * PACKED_REPORT_BYTES);
    const slot = (index: number) => packed.subarray(index * PACKED_REPORT_BYTES, (index + 1) * PACKED_REPORT_BYTES);
    expect([slot(0).readUInt32BE(0), slot(0).subarray(4, 20).toString('base64'), slot(0)[20]]).toEqual([70_000, md5(1), 2]);
    expect([slot(1)[20], slot(2)[20]]).toEqual([PACKED_AS_TRIPLE, PACKED_AS_TRIPLE]);
    expect([slot(3).readUInt32BE(0), slot(3).subarray(4, 20).toString('base64'), slot(3)[20]]).toEqual([4, md5(4), 0]);
    expect(slot(4)[20]).toBe(3);
    expect(triples).toEqual([...encodeDoneReport(reports[1]!), ...encodeDoneReport(reports[2]!)]);
    expect(packDoneReports([])).toEqual({ packed: Buffer.alloc(0), triples: [] });
  });
});
