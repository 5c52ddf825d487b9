// The one error type the client throws. Broker refusals carry the broker's own
// {error, message} so callers can branch on `code` and show `brokerMessage`.

/** Codes the client itself produces (the broker's codes pass through unchanged). */
export type ClientErrorCode =
  | 'cancelled'
  | 'failed'
  | 'network'
  | 'store_rejected'
  | 'store_unreachable'
  | 'bad_response'
  | 'source_changed';

export interface UploadErrorInit {
  code: string;
  message: string;
  status?: number;
  brokerMessage?: string;
  retryable?: boolean;
  /** Seconds the server asked us to wait (Retry-After). */
  retryAfter?: number;
  cause?: unknown;
}

export class UploadError extends Error {
  /** HTTP status of the failing response, when there was one. */
  readonly status: number | undefined;
  /** The broker's `error` code, or one of ClientErrorCode. */
  readonly code: string;
  /** The broker's `message`, verbatim. */
  readonly brokerMessage: string | undefined;
  readonly retryable: boolean;
  readonly retryAfter: number | undefined;

  constructor(init: UploadErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'UploadError';
    this.code = init.code;
    this.status = init.status;
    this.brokerMessage = init.brokerMessage;
    this.retryable = init.retryable ?? false;
    this.retryAfter = init.retryAfter;
  }
}

/** Statuses worth trying again: timeouts, rate limits and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  // 501: the broker says the store does not implement the operation — retrying cannot help.
  return status === 408 || status === 429 || (status >= 500 && status !== 501);
}

export function cancelledError(): UploadError {
  return new UploadError({ code: 'cancelled', message: 'upload cancelled' });
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error instanceof UploadError && error.code === 'cancelled'));
}

/** A fetch failure in words: undici's "fetch failed" hides the reason (ECONNREFUSED, …) in `cause`. */
export function describeNetworkError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  return detail ? `${message} (${detail})` : message;
}

/** Seconds from a Retry-After header (delta-seconds form only; dates are rare here). */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}
