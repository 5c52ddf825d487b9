// Exponential backoff with "equal jitter", shared by the client's retries (src/client) and
// the webhook worker's (src/webhooks): one formula for every retry Signpost schedules.
// Browser- and Node-safe, no imports: the client bundle reaches it.

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * Delay before retry number `attempt` (1 = first retry): base·2^(attempt-1), capped, then
 * "equal jitter" (half fixed, half random) so callers that failed together do not retry in
 * lockstep, yet none retries at once.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const random = options.random ?? Math.random;
  const exponential = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
