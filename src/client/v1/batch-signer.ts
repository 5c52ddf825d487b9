// Part signatures in batches: every part asked for while a POST /parts is in
// flight goes into the next one, so a file of N parts costs about N / (parts
// read ahead) broker calls instead of N. Signatures carry a local deadline so an
// expiring one is renewed before it is sent, not after the store refuses it.
import type { PartToSign, SignedPart } from './wire.js';

export interface Signature extends SignedPart {
  /** Local clock time after which the URL is too close to expiry to send. */
  freshUntil: number;
}

export interface SignAnswer {
  parts: SignedPart[];
  /** The broker's clock when it answered (at the latest), to read expires_at across clock skew. */
  serverTime?: number | undefined;
}

export interface BatchSignerOptions {
  sign(parts: PartToSign[], signal: AbortSignal): Promise<SignAnswer>;
  /** Aborts the broker calls (the run's cancel, not its pause: a signature made during a pause stays useful). */
  signal: AbortSignal;
  /** Most parts per call; default 100. */
  maxBatch?: number;
  now?: () => number;
}

/** Renew this long before expiry at most: a part must reach the store before its URL lapses. */
const MAX_MARGIN_MS = 5_000;

interface Waiting {
  part: PartToSign;
  resolve(signature: Signature): void;
  reject(error: unknown): void;
}

export class BatchSigner {
  private waiting: Waiting[] = [];
  private flushing = false;
  private readonly maxBatch: number;
  private readonly now: () => number;

  constructor(private readonly options: BatchSignerOptions) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 100);
    this.now = options.now ?? Date.now;
  }

  /** Resolves with the part's signature, from the next batch the broker is asked for. */
  sign(part: PartToSign): Promise<Signature> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ part, resolve, reject });
      // On the next microtask: parts asked for in the same turn share a call.
      if (!this.flushing) {
        this.flushing = true;
        queueMicrotask(() => void this.flush());
      }
    });
  }

  /** True when the signature should be renewed before use. */
  stale(signature: Signature): boolean {
    return this.now() >= signature.freshUntil;
  }

  private async flush(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, this.maxBatch);
        try {
          const sentAt = this.now();
          const answer = await this.options.sign(batch.map((w) => w.part), this.options.signal);
          for (const waiting of batch) {
            const signed = answer.parts.find((p) => p.number === waiting.part.number)!;
            waiting.resolve({ ...signed, freshUntil: freshUntil(signed.expires_at, answer.serverTime ?? sentAt, sentAt) });
          }
        } catch (error) {
          for (const waiting of batch) waiting.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}

/**
 * The URL's lifetime as the broker counts it (expires_at minus its own clock),
 * laid on the local clock from when the call was sent, less a margin of a
 * quarter of the lifetime (at most 5 s). A skewed local clock does not matter.
 */
function freshUntil(expiresAt: string, serverTime: number, sentAt: number): number {
  const expires = Date.parse(expiresAt);
  if (!Number.isFinite(expires)) return Number.POSITIVE_INFINITY; // unknown: the store's 403 will tell
  const lifetime = Math.max(0, expires - serverTime);
  const margin = Math.min(MAX_MARGIN_MS, lifetime / 4);
  return sentAt + lifetime - margin;
}
