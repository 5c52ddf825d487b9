// The retry loop around anything sent to the store. Only store failures are
// classified here; broker errors have had their own retries and pass through.
import { retryDelay, sleep, MAX_BACKOFF_MS } from './backoff.js';
import { UploadError } from './errors.js';
import { classifyStoreFailure, type StoreFailure } from './store-request.js';

export interface StoreRetryOptions {
  retries: number;
  baseDelayMs: number;
  signal: AbortSignal;
  onRetry?: (attempt: number, failure: StoreFailure, error: UploadError) => void;
}

/** Store failures are UploadErrors with these codes (sendSigned throws nothing else). */
function isStoreFailure(error: unknown): error is UploadError {
  return error instanceof UploadError && (error.code === 'store_rejected' || error.code === 'store_unreachable');
}

/**
 * Runs `attempt` until it succeeds, the failure is fatal, or `retries` retries
 * are spent. `attempt` learns what went wrong last time so it can re-sign
 * (expired signature) or re-read and re-hash (bytes corrupted in flight).
 * A fresh signature is asked for at once; other failures back off first.
 */
export async function withStoreRetries<T>(options: StoreRetryOptions, attempt: (previous: StoreFailure | undefined) => Promise<T>): Promise<T> {
  let previous: StoreFailure | undefined;
  for (let n = 1; ; n++) {
    try {
      return await attempt(previous);
    } catch (error) {
      if (options.signal.aborted || !isStoreFailure(error)) throw error;
      const failure = classifyStoreFailure(error);
      if (failure === 'fatal' || n > options.retries) throw error;
      options.onRetry?.(n, failure, error);
      if (failure !== 'resign') await sleep(retryDelay(n, { baseMs: options.baseDelayMs, capMs: MAX_BACKOFF_MS }, error.retryAfter), options.signal);
      previous = failure;
    }
  }
}
