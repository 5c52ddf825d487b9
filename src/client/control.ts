// Pause, resume and cancel as signals. Every request of a run gets `signal`,
// which aborts on cancel or pause; a pause-aborted part goes back to the queue
// and `waitWhilePaused()` holds the run until resume() or cancel().
import { cancelledError } from './errors.js';

/** Aborts when any of `signals` does (AbortSignal.any is missing from older browsers). */
export function anySignal(signals: AbortSignal[]): AbortSignal {
  const controller = new AbortController();
  for (const signal of signals) {
    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }
    signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  }
  return controller.signal;
}

/**
 * Runs `work` with a child of `parent` whose listener is removed afterwards:
 * fetch leaves its abort listener on the signal it is given, and one run
 * signal shared by 10,000 part requests would collect 10,000 of them.
 */
export async function withChildSignal<T>(parent: AbortSignal | undefined, work: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  if (!parent) return work(undefined);
  const child = new AbortController();
  const forward = () => child.abort(parent.reason);
  if (parent.aborted) forward();
  else parent.addEventListener('abort', forward, { once: true });
  try {
    return await work(child.signal);
  } finally {
    parent.removeEventListener('abort', forward);
  }
}

export class RunControl {
  private readonly cancelController = new AbortController();
  private pauseController = new AbortController();
  private current: AbortSignal;
  private waiters: Array<() => void> = [];
  private pausedNow = false;

  constructor(external?: AbortSignal) {
    this.current = anySignal([this.cancelController.signal, this.pauseController.signal]);
    if (external) {
      if (external.aborted) this.cancel();
      else external.addEventListener('abort', () => this.cancel(), { once: true });
    }
  }

  /** Aborts on cancel only: for work that pause must not interrupt (hashing, cleanup decisions). */
  get cancelSignal(): AbortSignal {
    return this.cancelController.signal;
  }

  /** Aborts on cancel or pause. Re-read after every pause: a resumed run gets a fresh one. */
  get signal(): AbortSignal {
    return this.current;
  }

  get paused(): boolean {
    return this.pausedNow;
  }

  get cancelled(): boolean {
    return this.cancelController.signal.aborted;
  }

  pause(): boolean {
    if (this.pausedNow || this.cancelled) return false;
    this.pausedNow = true;
    this.pauseController.abort(new DOMException('paused', 'AbortError'));
    return true;
  }

  resume(): boolean {
    if (!this.pausedNow || this.cancelled) return false;
    this.pausedNow = false;
    this.pauseController = new AbortController();
    this.current = anySignal([this.cancelController.signal, this.pauseController.signal]);
    this.release();
    return true;
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelController.abort(cancelledError());
    this.release();
  }

  /** Resolves at once when running; otherwise when resumed. Throws once cancelled. */
  async waitWhilePaused(): Promise<void> {
    while (this.pausedNow && !this.cancelled) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.cancelSignal.throwIfAborted();
  }

  /** True when work that ran under `signal` (a past `this.signal`) was stopped by a pause, not a cancel: redo it later. */
  interruptedByPause(signal: AbortSignal): boolean {
    return !this.cancelled && signal.aborted;
  }

  /** Runs `work` under the current signal; a pause aborts it and it starts again after resume(). */
  async pausable<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    for (;;) {
      await this.waitWhilePaused();
      const signal = this.current;
      try {
        return await work(signal);
      } catch (error) {
        if (!this.interruptedByPause(signal)) throw error;
      }
    }
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
