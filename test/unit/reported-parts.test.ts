// reportedParts keeps a position per part number instead of a Map: it must answer exactly what
// the Map did (each part once, in the order first named, part_data over part_list, a later
// entry over an earlier), for any mix of numbers, including ones no position covers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DoneReport } from '../../src/domain/ports.js';
import { reportedParts } from '../../src/domain/reported-parts.js';

function byMap(partList: number[], partData: DoneReport[]): DoneReport[] {
  const reported = new Map<number, DoneReport>();
  for (const part of partList) reported.set(part, { part });
  for (const entry of partData) reported.set(entry.part, entry);
  return [...reported.values()];
}

// Mostly plan-sized numbers, sometimes ones beyond every store's limit or not integers at all.
const partNumber = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 60 }) }, fc.integer({ min: 49_990, max: 50_010 }), fc.constantFrom(0, -1, 1.5, 1e9));
const entry = fc.record({ part: partNumber, md5: fc.option(fc.constantFrom('1B2M2Y8AsgTpgAmY7PhCfg==', 'kAFQmDzST7DWlj99KOF/cg=='), { nil: undefined }) }).map((e) => (e.md5 === undefined ? { part: e.part } : { part: e.part, md5: e.md5 }));

describe('reportedParts', () => {
  it('answers what a Map from part number to report answers', () => {
    fc.assert(
      fc.property(fc.array(partNumber, { maxLength: 40 }), fc.array(entry, { maxLength: 40 }), (partList, partData) => {
        expect(reportedParts({ partList, partData })).toEqual(byMap(partList, partData));
      }),
      { numRuns: 500 },
    );
  });

  it('a finish of 10,000 parts: each once, part_data winning', () => {
    const partList = Array.from({ length: 10_000 }, (_, i) => i + 1);
    const partData = partList.map((part) => ({ part, md5: '1B2M2Y8AsgTpgAmY7PhCfg==' }));
    const reported = reportedParts({ partList, partData });
    expect(reported).toHaveLength(10_000);
    expect(reported.every((r, i) => r.part === i + 1 && r.md5 === '1B2M2Y8AsgTpgAmY7PhCfg==')).toBe(true);
  });

  it('no report: nothing', () => {
    expect(reportedParts(undefined)).toEqual([]);
    expect(reportedParts({})).toEqual([]);
  });
});
