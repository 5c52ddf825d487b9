// Retry timing: exponential backoff with jitter, capped, and a sleep that an
// AbortSignal cuts short (pause and cancel must not wait out a backoff).

import { backoffDelay, type BackoffOptions } from '../backoff.js';

export { backoffDelay, type BackoffOptions };

export const MAX_BACKOFF_MS = 30_000;

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
