// Seed 004's part rules as a storage's part policy: every part but the last between the
// minimum and the maximum and a multiple of the unit, at most max_part_count parts, numbered
// from 1. Plans at each boundary, and a refusal naming the rule for each one broken.
import { describe, expect, it } from 'vitest';
import { SignpostError } from '../../src/domain/errors.js';
import { effectivePolicy, partSizeRefusal, planParts } from '../../src/domain/part-plan.js';
import { AZURE_LIMITS, S3_LIMITS } from '../../src/stores/limits.js';

const MiB = 1024 * 1024;
// Seed 004: 5 MB to 96 MB, a multiple of 1 MiB, at most 10,000 parts.
const seed004 = effectivePolicy(S3_LIMITS, { minPartSize: 5 * MiB, maxPartSize: 96 * MiB, partSizeUnit: MiB, maxPartCount: 10_000 });

function refusal(run: () => unknown): SignpostError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SignpostError);
    return error as SignpostError;
  }
  throw new Error('expected a refusal');
}

describe('part policy', () => {
  it('defaults: 5 MiB minimum, the store’s maximum part size, no unit, 10,000 parts (Azure narrowed from 50,000)', () => {
    expect(effectivePolicy(S3_LIMITS)).toEqual({ minPartSize: 5 * MiB, maxPartSize: S3_LIMITS.maxPartSize, partSizeUnit: 1, maxPartCount: 10_000 });
    expect(effectivePolicy(AZURE_LIMITS)).toMatchObject({ minPartSize: 5 * MiB, maxPartCount: 10_000 });
  });

  it('config narrows the store’s limits and may not widen them', () => {
    expect(() => effectivePolicy(S3_LIMITS, { maxPartSize: 6 * 1024 * MiB }, 'storages[0].part_policy')).toThrow(/storages\[0\]\.part_policy\.max_part_size .* exceeds/);
    expect(() => effectivePolicy(S3_LIMITS, { maxPartCount: 10_001 })).toThrow(/max_part_count 10001 exceeds/);
    expect(() => effectivePolicy(S3_LIMITS, { minPartSize: MiB })).toThrow(/min_part_size 1048576 is below the store's minimum/);
    expect(() => effectivePolicy(S3_LIMITS, { minPartSize: 10 * MiB, maxPartSize: 6 * MiB })).toThrow(/min_part_size .* is above max_part_size/);
  });

  it('accepts a part size at each boundary', () => {
    const file = 100 * MiB;
    expect(partSizeRefusal(seed004, 5 * MiB, file)).toBeUndefined(); // exactly the minimum
    expect(partSizeRefusal(seed004, 96 * MiB, file)).toBeUndefined(); // exactly the maximum
    expect(partSizeRefusal(seed004, 10 * MiB, 10_000 * 10 * MiB)).toBeUndefined(); // exactly 10,000 parts
    expect(partSizeRefusal(seed004, 3, 3)).toBeUndefined(); // one part is the last part: no minimum, no unit
  });

  it('refuses each rule, naming it', () => {
    expect(partSizeRefusal(seed004, 5 * MiB - 1, 100 * MiB)).toMatch(/below this storage's minimum of 5242880 bytes/);
    expect(partSizeRefusal(seed004, 5 * MiB + 1, 100 * MiB)).toMatch(/not a multiple of 1048576 bytes/);
    expect(partSizeRefusal(seed004, 96 * MiB + MiB, 200 * MiB)).toMatch(/above this storage's maximum of 100663296 bytes/);
    expect(partSizeRefusal(seed004, 10 * MiB, 10_000 * 10 * MiB + 1)).toMatch(/into 10001 parts; this storage takes at most 10000/);
    expect(partSizeRefusal(seed004, 0, 10)).toMatch(/whole number of bytes/);
  });

  it('plans the smallest allowed size that fits the count, in whole units, and honours a size the client asks for', () => {
    expect(planParts(20 * MiB, S3_LIMITS, 5 * MiB, seed004)).toEqual({ kind: 'chunked', partSize: 5 * MiB, partCount: 4 });
    expect(planParts(10_000 * 5 * MiB, S3_LIMITS, 5 * MiB, seed004)).toEqual({ kind: 'chunked', partSize: 5 * MiB, partCount: 10_000 });
    // One byte more than 10,000 minimum-sized parts hold: the next whole MiB.
    expect(planParts(10_000 * 5 * MiB + 1, S3_LIMITS, 5 * MiB, seed004)).toEqual({ kind: 'chunked', partSize: 6 * MiB, partCount: 8_334 });
    expect(planParts(50 * MiB, S3_LIMITS, 5 * MiB, seed004, 8 * MiB)).toEqual({ kind: 'chunked', partSize: 8 * MiB, partCount: 7 });
    // Asking for a part size means parts, even one (a single range copied into a new object).
    expect(planParts(6 * MiB, S3_LIMITS, 5 * MiB, seed004, 6 * MiB)).toEqual({ kind: 'chunked', partSize: 6 * MiB, partCount: 1 });
    expect(planParts(3 * MiB, S3_LIMITS, 5 * MiB, seed004, 6 * MiB)).toEqual({ kind: 'chunked', partSize: 3 * MiB, partCount: 1 });
    const tooSmall = refusal(() => planParts(50 * MiB, S3_LIMITS, 5 * MiB, seed004, MiB));
    expect(tooSmall.code).toBe('bad_request');
    expect(tooSmall.message).toMatch(/minimum/);
    // More than 10,000 parts of the largest allowed size: too large for this storage.
    expect(refusal(() => planParts(10_000 * 96 * MiB + 1, S3_LIMITS, 5 * MiB, seed004)).code).toBe('too_large');
  });

  it('a unit that is not a divisor of a MiB grows the part size in multiples of both', () => {
    const odd = effectivePolicy(S3_LIMITS, { partSizeUnit: 3 * MiB, maxPartCount: 4 });
    const plan = planParts(25 * MiB, S3_LIMITS, 5 * MiB, odd);
    expect(plan.partSize % (3 * MiB)).toBe(0);
    expect(plan.partCount).toBeLessThanOrEqual(4);
    expect(partSizeRefusal(odd, plan.partSize, 25 * MiB)).toBeUndefined();
  });
});
