// The v1 transfer of one file: a reader hashes parts in order (part-feed.ts),
// staying at most `readAhead` parts ahead of the `parallel` parts in flight
// (memory: parallel + readAhead parts). A part can be signed only once hashed
// (its URL binds its MD5), so signatures are asked for in batches of hashed
// parts (batch-signer.ts): when `readAhead` of them wait unsigned, when the
// file's last part is read, or when a sender needs one and the reader has
// stopped (window full). While the reader runs, a sender waits for the batch
// rather than asking for its part alone: at the start that costs the hashing
// of a few parts, and saves a broker call per part.
import { anySignal, type RunControl } from '../control.js';
import { sendSigned } from '../store-request.js';
import { withStoreRetries } from '../store-retry.js';
import { RETRY_REASON } from '../transfer-context.js';
import type { BatchSigner, Signature } from './batch-signer.js';
import type { HashedPart, PartFeed } from './part-feed.js';

export interface PipelineEvents {
  partDone(part: number, bytes: number, attempt: number): void;
  retry(part: number, attempt: number, reason: string): void;
}

export interface PipelineOptions {
  feed: PartFeed;
  signer: BatchSigner;
  fetch: typeof fetch;
  control: RunControl;
  parallel: number;
  readAhead: number;
  retries: number;
  retryDelayMs: number;
  events: PipelineEvents;
}

interface ReadyPart extends HashedPart {
  /** Settles once the part is in a batch asked for (`requested`), or re-signed. */
  signature: Promise<Signature>;
  requested: boolean;
  request(signature: Promise<Signature>): void;
}

function readyPart(part: HashedPart): ReadyPart {
  let settle!: (signature: Promise<Signature>) => void;
  const signature = new Promise<Signature>((resolve) => (settle = resolve));
  const ready: ReadyPart = {
    ...part,
    signature,
    requested: false,
    request(promise) {
      ready.requested = true;
      settle(promise);
    },
  };
  return ready;
}

export class PartPipeline {
  /** Read, hashed, being signed, not being sent: ascending. */
  private readonly ready: ReadyPart[] = [];
  /** Parts in memory: read and not yet in the store. */
  private held = 0;
  private reading = false;
  private readFailure: unknown;
  /** Hashed parts whose signature nobody asked for yet, in part order (some may be with senders). */
  private unsigned: ReadyPart[] = [];
  /** Senders waiting for a signature not asked for yet. */
  private starving = 0;
  private waiters: Array<() => void> = [];
  private sent = 0;

  constructor(private readonly options: PipelineOptions) {}

  /** Sends every part; resolves with the count sent once all are in the store. */
  async run(): Promise<number> {
    const { control } = this.options;
    this.fill();
    while (!this.finished()) {
      await control.waitWhilePaused();
      await this.round();
    }
    return this.sent;
  }

  private finished(): boolean {
    return this.options.feed.exhausted && !this.reading && this.held === 0;
  }

  /** Reads parts until (parallel + readAhead) are held; one loop at a time. */
  private fill(): void {
    if (this.reading || this.readFailure !== undefined) return;
    const { feed, parallel, readAhead, control } = this.options;
    this.reading = true;
    void (async () => {
      try {
        while (!feed.exhausted && this.held < parallel + readAhead && !control.cancelled) {
          this.held++;
          const part = readyPart(await feed.next());
          this.ready.push(part);
          this.unsigned.push(part);
          if (feed.exhausted || this.unsigned.length >= Math.max(1, readAhead)) this.signWaiting();
          this.notify();
        }
      } catch (error) {
        this.readFailure = error;
      } finally {
        this.reading = false;
        if (this.starving > 0) this.signWaiting(); // the reader stopped: no batch grows any more
        this.notify();
      }
    })();
  }

  /** Asks for the signatures of every hashed part without one: one broker call (batch-signer.ts). */
  private signWaiting(): void {
    const parts = this.unsigned;
    this.unsigned = [];
    for (const part of parts) if (!part.requested) part.request(this.signOne(part));
  }

  private signOne(part: ReadyPart): Promise<Signature> {
    const signature = this.options.signer.sign({ number: part.number, md5: part.md5, sha256: part.sha256 });
    signature.catch(() => undefined); // awaited by the sender; a failure there fails the run
    return signature;
  }

  /** A fresh signature for this part alone (expired, or about to). */
  private resign(part: ReadyPart): Promise<Signature> {
    part.requested = true;
    return (part.signature = this.signOne(part));
  }

  /** The part's signature; a part not yet in a batch waits for one while the reader runs, else asks now. */
  private async signatureOf(part: ReadyPart, signal: AbortSignal): Promise<Signature> {
    if (part.requested) return abortable(part.signature, signal);
    if (!this.reading) this.signWaiting();
    this.starving++;
    try {
      return await abortable(part.signature, signal);
    } finally {
      this.starving--;
    }
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** The next part to send, or undefined when there is none left or `signal` aborted. */
  private async take(signal: AbortSignal): Promise<ReadyPart | undefined> {
    for (;;) {
      if (signal.aborted) return undefined;
      const part = this.ready.shift();
      if (part) return part;
      if (this.readFailure !== undefined) throw this.readFailure;
      if (this.options.feed.exhausted && !this.reading) return undefined;
      this.fill(); // no-op while reading or while the parts in flight fill the window: a finished one calls it again
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal.removeEventListener('abort', wake);
          resolve();
        };
        this.waiters.push(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
  }

  /** One run of the senders, ended by the last part, a pause, a cancel or a failure. */
  private async round(): Promise<void> {
    const { control, parallel } = this.options;
    const failure = new AbortController();
    const runSignal = control.signal;
    const signal = anySignal([runSignal, failure.signal]);
    const sender = async () => {
      let part: ReadyPart | undefined;
      try {
        while ((part = await this.take(signal)) !== undefined) {
          await this.send(part, signal);
          part = undefined;
          this.held--;
          this.sent++;
          this.fill();
        }
      } catch (error) {
        if (part) this.putBack(part); // sent again after a pause; irrelevant after a failure
        if (!signal.aborted) failure.abort(error); // stop the other senders
        throw error;
      }
    };
    const results = await Promise.allSettled(Array.from({ length: parallel }, sender));
    control.cancelSignal.throwIfAborted();
    if (control.interruptedByPause(runSignal)) return;
    if (failure.signal.aborted) throw failure.signal.reason;
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) throw rejected.reason;
  }

  private putBack(part: ReadyPart): void {
    const at = this.ready.findIndex((p) => p.number > part.number);
    this.ready.splice(at === -1 ? this.ready.length : at, 0, part);
  }

  /**
   * Sends the part's bytes (the ones hashed) with store retries: an expired URL
   * is signed again (before sending when it is about to lapse, after a 403
   * otherwise); a 400 means the bytes were damaged in flight: the same bytes go
   * again, they are the ones the signature binds.
   */
  private async send(part: ReadyPart, signal: AbortSignal): Promise<void> {
    const { signer, events, retries, retryDelayMs } = this.options;
    let attempt = 0;
    let renewedEarly = false;
    const resign = () => this.resign(part);
    const onRetry = (n: number, failure: keyof typeof RETRY_REASON) => events.retry(part.number, n, RETRY_REASON[failure]);
    await withStoreRetries({ retries, baseDelayMs: retryDelayMs, signal, onRetry }, async (previous) => {
      attempt++;
      if (previous === 'resign') resign();
      let signature = await this.signatureOf(part, signal);
      // Once only: a clock that makes every fresh URL look stale must not loop; the store's 403 has the last word.
      if (signer.stale(signature) && !renewedEarly) {
        renewedEarly = true;
        signature = await abortable(resign(), signal);
      }
      await sendSigned(this.options.fetch, { verb: signature.method, url: signature.url, headers: signature.headers }, part.bytes, signal);
    });
    events.partDone(part.number, part.bytes.length, attempt);
  }
}

/** `promise`, or the signal's reason as soon as it aborts (a pause must not wait for a signature). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (error: unknown) => (signal.removeEventListener('abort', onAbort), reject(error)),
    );
  });
}
