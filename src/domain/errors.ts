// The one error catalogue. Domain, state and stores throw SignpostError; only
// src/http/error-handler.ts turns a code into an HTTP status (STATUS_BY_CODE).

export type ErrorCode =
  | 'bad_request'
  | 'invalid_file'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'expired'
  | 'too_large'
  | 'verification_failed'
  | 'rate_limited'
  | 'too_many_uploads'
  | 'quota_exceeded'
  | 'store_failed'
  | 'store_unsupported'
  | 'store_unavailable'
  | 'store_timeout'
  | 'state_unavailable'
  | 'internal';

export class SignpostError extends Error {
  readonly code: ErrorCode;
  /** Seconds a client should wait before retrying (503). */
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retryAfter?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SignpostError';
    this.code = code;
    this.retryAfter = options.retryAfter;
  }
}

export const errors = {
  badRequest: (message: string) => new SignpostError('bad_request', message),
  invalidFile: (message: string) => new SignpostError('invalid_file', message),
  unauthenticated: (message = 'missing or invalid credentials') => new SignpostError('unauthenticated', message),
  forbidden: (message: string) => new SignpostError('forbidden', message),
  // Another tenant's or user's upload answers exactly like a missing one: no existence oracle.
  uploadNotFound: (id: string) => new SignpostError('not_found', `upload ${JSON.stringify(id)} not found`),
  notFound: (message: string) => new SignpostError('not_found', message),
  conflict: (message: string) => new SignpostError('conflict', message),
  expired: (id: string) => new SignpostError('expired', `upload ${id} has expired; start a new upload`),
  gone: (message: string) => new SignpostError('expired', message),
  tooLarge: (message: string) => new SignpostError('too_large', message),
  verificationFailed: (message: string) => new SignpostError('verification_failed', message),
  storeFailed: (message: string, cause?: unknown) => new SignpostError('store_failed', message, { cause }),
  // The store does not implement the operation (Azurite's Put Block From URL): retrying cannot help.
  storeUnsupported: (message: string, cause?: unknown) => new SignpostError('store_unsupported', message, { cause }),
  storeUnavailable: (message: string, cause?: unknown) =>
    new SignpostError('store_unavailable', message, { cause, retryAfter: 5 }),
  storeTimeout: (message: string, cause?: unknown) => new SignpostError('store_timeout', message, { cause }),
  stateUnavailable: (message: string, cause?: unknown) =>
    new SignpostError('state_unavailable', message, { cause, retryAfter: 2 }),
  rateLimited: (message: string, retryAfter: number) => new SignpostError('rate_limited', message, { retryAfter }),
  // Issue 9's limits (domain/quotas.ts): a user's unfinished uploads, a tenant's bytes.
  tooManyUploads: (message: string, retryAfter: number) => new SignpostError('too_many_uploads', message, { retryAfter }),
  quotaExceeded: (message: string) => new SignpostError('quota_exceeded', message),
  internal: (cause: unknown) => new SignpostError('internal', 'internal error; the broker logged the details', { cause }),
};
