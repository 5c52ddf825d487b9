import { describe, expect, it } from 'vitest';
import { ProgressTracker, RATE_TIME_CONSTANT_MS } from '../../src/client/progress.js';
import { formatBytes, formatEta, lineView } from '../../src/client/cli-view.js';

const MiB = 1024 * 1024;

describe('progress, rate and ETA', () => {
  it('has no rate or ETA before anything is sent', () => {
    const tracker = new ProgressTracker(100 * MiB, 20, 0);
    expect(tracker.snapshot()).toEqual({ bytesDone: 0, bytesTotal: 100 * MiB, rate: 0, etaSeconds: null, partsDone: 0, partsTotal: 20 });
  });

  it('takes the first measurement as the rate and derives the ETA from it', () => {
    const tracker = new ProgressTracker(100 * MiB, 20, 0);
    tracker.add(5 * MiB, 1000);
    const snap = tracker.snapshot();
    expect(snap.rate).toBe(5 * MiB);
    expect(snap.etaSeconds).toBeCloseTo(19);
    expect(snap.partsDone).toBe(1);
  });

  it('smooths towards a new rate with the time constant, not at once', () => {
    const tracker = new ProgressTracker(1000 * MiB, 200, 0);
    tracker.add(10 * MiB, 1000); // 10 MiB/s
    tracker.add(1 * MiB, 1000 + RATE_TIME_CONSTANT_MS); // then 1 MiB over τ: ~0.33 MiB/s
    const rate = tracker.snapshot().rate;
    const instant = (1 * MiB * 1000) / RATE_TIME_CONSTANT_MS;
    expect(rate).toBeCloseTo(10 * MiB + (1 - Math.exp(-1)) * (instant - 10 * MiB), 0);
    expect(rate).toBeLessThan(10 * MiB);
    expect(rate).toBeGreaterThan(instant);
  });

  it('converges to a steady rate whatever the sampling', () => {
    const tracker = new ProgressTracker(10_000 * MiB, 2000, 0);
    let t = 0;
    for (let i = 0; i < 200; i++) tracker.add(5 * MiB, (t += i % 3 === 0 ? 250 : 750)); // 5 MiB per 0.25 s or 0.75 s
    // Average throughput: 15 MiB per 1.75 s.
    expect(tracker.snapshot().rate / MiB).toBeGreaterThan(6);
    expect(tracker.snapshot().rate / MiB).toBeLessThan(14);
  });

  it('counts skipped parts as done without inflating the rate', () => {
    const tracker = new ProgressTracker(40 * MiB, 8, 0);
    tracker.skip(15 * MiB, 3);
    tracker.add(5 * MiB, 1000);
    const snap = tracker.snapshot();
    expect(snap.bytesDone).toBe(20 * MiB);
    expect(snap.partsDone).toBe(4);
    expect(snap.rate).toBe(5 * MiB);
    expect(snap.etaSeconds).toBeCloseTo(4);
  });

  it('does not count paused time against the rate', () => {
    const tracker = new ProgressTracker(40 * MiB, 8, 0);
    tracker.add(5 * MiB, 1000);
    tracker.restartClock(60_000);
    tracker.add(5 * MiB, 61_000);
    expect(tracker.snapshot().rate).toBe(5 * MiB);
  });

  it('reports an ETA of zero when done', () => {
    const tracker = new ProgressTracker(5, 1, 0);
    tracker.add(5, 10);
    expect(tracker.snapshot().etaSeconds).toBe(0);
  });
});

describe('CLI progress formatting', () => {
  it('formats sizes and ETAs for people', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(40 * MiB)).toBe('40.0 MiB');
    expect(formatBytes(3 * 1024 * MiB)).toBe('3.00 GiB');
    expect(formatEta(null)).toBe('--');
    expect(formatEta(4.2)).toBe('5s');
    expect(formatEta(125)).toBe('2m05s');
    expect(formatEta(3 * 3600 + 120)).toBe('3h02m');
  });

  it('prints plain lines at most once a second, but always state changes and the last part', () => {
    const written: string[] = [];
    let t = 0;
    const out = { write: (s: string) => written.push(s) } as unknown as NodeJS.WritableStream;
    const file = lineView(out, () => t).file('a.bin', 10);
    file.state('uploading');
    file.progress({ bytesDone: 1, bytesTotal: 10, rate: 0, etaSeconds: null, partsDone: 1, partsTotal: 10 });
    t = 500;
    file.progress({ bytesDone: 2, bytesTotal: 10, rate: 4, etaSeconds: 2, partsDone: 2, partsTotal: 10 });
    t = 1600;
    file.progress({ bytesDone: 3, bytesTotal: 10, rate: 4, etaSeconds: 2, partsDone: 3, partsTotal: 10 });
    t = 1700;
    file.progress({ bytesDone: 10, bytesTotal: 10, rate: 4, etaSeconds: 0, partsDone: 10, partsTotal: 10 });
    expect(written).toHaveLength(3);
    expect(written[0]).toBe('a.bin: uploading\n');
    expect(written[1]).toContain('parts 3/10');
    expect(written[2]).toContain('(100%) parts 10/10');
  });
});
