import { describe, expect, it } from 'vitest';
import { planParts, plannedPartSize } from '../../src/domain/part-plan.js';
import { AZURE_LIMITS, S3_LIMITS } from '../../src/stores/limits.js';
import { SignpostError } from '../../src/domain/errors.js';

const MiB = 1024 * 1024;

describe('planParts', () => {
  it('sends files up to the threshold in one PUT', () => {
    expect(planParts(5 * MiB, S3_LIMITS, 5 * MiB)).toEqual({ kind: 'direct', partSize: 5 * MiB, partCount: 1 });
    expect(planParts(0, AZURE_LIMITS, 5 * MiB)).toEqual({ kind: 'direct', partSize: 0, partCount: 1 });
  });

  it('uses 5 MiB S3 parts (what PlaceOS clients hard-code) while they fit in 10,000', () => {
    expect(planParts(5 * MiB + 1, S3_LIMITS, 5 * MiB)).toEqual({ kind: 'chunked', partSize: 5 * MiB, partCount: 2 });
    expect(planParts(10_000 * 5 * MiB, S3_LIMITS, 5 * MiB)).toEqual({ kind: 'chunked', partSize: 5 * MiB, partCount: 10_000 });
  });

  it('grows the part size in whole MiB so a large S3 file stays within 10,000 parts', () => {
    const plan = planParts(10_000 * 5 * MiB + 1, S3_LIMITS, 5 * MiB);
    expect(plan.partSize).toBe(6 * MiB);
    expect(plan.partCount).toBeLessThanOrEqual(10_000);
    const huge = planParts(5 * 1024 ** 4, S3_LIMITS, 5 * MiB);
    expect(huge.partCount).toBeLessThanOrEqual(10_000);
    expect(huge.partSize * huge.partCount).toBeGreaterThanOrEqual(5 * 1024 ** 4);
  });

  it('keeps Azure within 50,000 blocks', () => {
    const plan = planParts(50_000 * 4 * MiB + 1, AZURE_LIMITS, 5 * MiB);
    expect(plan.partCount).toBeLessThanOrEqual(AZURE_LIMITS.maxParts);
  });

  it('refuses objects larger than the store allows with too_large', () => {
    expect(() => planParts(5 * 1024 ** 4 + 1, S3_LIMITS, 5 * MiB)).toThrow(expect.objectContaining({ code: 'too_large' }));
  });

  it('refuses negative and fractional sizes with bad_request', () => {
    for (const size of [-1, 1.5, Number.NaN]) {
      const err = (() => { try { planParts(size, S3_LIMITS, 5 * MiB); } catch (e) { return e; } })();
      expect(err).toBeInstanceOf(SignpostError);
      expect((err as SignpostError).code).toBe('bad_request');
    }
  });
});

describe('plannedPartSize', () => {
  const plan = { partSize: 5 * MiB, partCount: 3 };
  const size = 10 * MiB + 1024;
  it('gives full parts and the remainder for the last', () => {
    expect(plannedPartSize(plan, size, 1)).toBe(5 * MiB);
    expect(plannedPartSize(plan, size, 3)).toBe(1024);
  });
  it('is undefined outside the plan', () => {
    expect(plannedPartSize(plan, size, 0)).toBeUndefined();
    expect(plannedPartSize(plan, size, 4)).toBeUndefined();
  });
});
