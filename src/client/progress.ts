// Progress arithmetic: bytes done, a smoothed rate and the ETA. Pure, with the
// clock passed in, so the maths is unit-tested without sleeping.
import type { ProgressEvent } from './types.js';

/** Time constant of the rate's exponential moving average: long enough to hide part-sized bursts. */
export const RATE_TIME_CONSTANT_MS = 3_000;

export class ProgressTracker {
  private bytesDone = 0;
  private partsDone = 0;
  private rate = 0;
  private measured = false;
  private lastTime: number;
  private lastBytes = 0;

  constructor(
    readonly bytesTotal: number,
    readonly partsTotal: number,
    now: number,
  ) {
    this.lastTime = now;
  }

  /** Parts found done by the broker: they count as done but not towards the rate. */
  skip(bytes: number, parts = 1): void {
    this.bytesDone += bytes;
    this.lastBytes += bytes;
    this.partsDone += parts;
  }

  /** A part reached the store. */
  add(bytes: number, now: number, parts = 1): void {
    this.bytesDone += bytes;
    this.partsDone += parts;
    this.sample(now);
  }

  /** Restart the rate clock (after a pause, so paused time does not drag the rate down). */
  restartClock(now: number): void {
    this.lastTime = now;
    this.lastBytes = this.bytesDone;
  }

  /**
   * Folds the throughput since the last sample into the EMA, weighting by elapsed
   * time (α = 1 − e^(−Δt/τ)) so irregular samples (parts finishing in bursts,
   * periodic ticks with nothing new) still average to the true rate.
   */
  sample(now: number): void {
    const elapsed = now - this.lastTime;
    if (elapsed <= 0) return;
    const instant = ((this.bytesDone - this.lastBytes) * 1000) / elapsed;
    if (!this.measured) {
      if (this.bytesDone === this.lastBytes) return; // nothing sent yet: no basis for a rate
      this.rate = instant;
      this.measured = true;
    } else {
      const alpha = 1 - Math.exp(-elapsed / RATE_TIME_CONSTANT_MS);
      this.rate += alpha * (instant - this.rate);
    }
    this.lastTime = now;
    this.lastBytes = this.bytesDone;
  }

  snapshot(): ProgressEvent {
    const remaining = this.bytesTotal - this.bytesDone;
    const etaSeconds = remaining <= 0 ? 0 : this.measured && this.rate > 0 ? remaining / this.rate : null;
    return { bytesDone: this.bytesDone, bytesTotal: this.bytesTotal, rate: this.rate, etaSeconds, partsDone: this.partsDone, partsTotal: this.partsTotal };
  }
}
