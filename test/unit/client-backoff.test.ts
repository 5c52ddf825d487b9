import { describe, expect, it } from 'vitest';
import { backoffDelay, retryDelay, sleep } from '../../src/client/backoff.js';

describe('client backoff', () => {
  it('doubles per attempt with equal jitter: between half and all of base·2^(n-1)', () => {
    const low = { baseMs: 500, capMs: 30_000, random: () => 0 };
    const high = { baseMs: 500, capMs: 30_000, random: () => 0.999999 };
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, low))).toEqual([250, 500, 1000, 2000]);
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, high))).toEqual([500, 1000, 2000, 4000]);
  });

  it('is capped however many attempts were made', () => {
    const options = { baseMs: 500, capMs: 30_000, random: () => 0.999999 };
    expect(backoffDelay(50, options)).toBe(30_000);
    expect(backoffDelay(1000, options)).toBe(30_000);
  });

  it("prefers the server's Retry-After, capped", () => {
    const options = { baseMs: 500, capMs: 10_000 };
    expect(retryDelay(1, options, 3)).toBe(3000);
    expect(retryDelay(1, options, 3600)).toBe(10_000);
  });

  it('sleep rejects as soon as its signal aborts', async () => {
    const controller = new AbortController();
    // A 10-minute sleep: only the abort can end it within the test's timeout.
    const sleeping = sleep(600_000, controller.signal);
    setTimeout(() => controller.abort(new Error('paused')), 20);
    await expect(sleeping).rejects.toThrow('paused');
  }, 5_000);
});
