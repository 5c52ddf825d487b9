// Retry timing: exponential backoff with jitter, capped, and a sleep that an
// AbortSignal cuts short (pause and cancel must not wait out a backoff).

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number;
}

export const MAX_BACKOFF_MS = 30_000;

/**
 * Delay before retry number `attempt` (1 = first retry): base·2^(attempt-1),
 * capped, then "equal jitter" (half fixed, half random) so parallel parts that
 * failed together do not retry in lockstep, yet never retry at once.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const random = options.random ?? Math.random;
  const exponential = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

/** The delay to use: the server's Retry-After when it gave one (capped), else backoff. */
export function retryDelay(attempt: number, options: BackoffOptions, retryAfterSeconds?: number): number {
  if (retryAfterSeconds !== undefined) return Math.min(options.capMs, retryAfterSeconds * 1000);
  return backoffDelay(attempt, options);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
