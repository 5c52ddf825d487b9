// How the adapters talk to their stores: bounded time, a few retries, and
// what a failure below HTTP means for the caller. A store that accepts the
// connection but never answers must not hang an API request.
import type { Clock } from '../domain/clock.js';
import { errors, SignpostError } from '../domain/errors.js';

export interface StoreTransport {
  /** S3: per attempt; Azure: per call including retries (the SDK has no per-attempt client timeout). */
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  /** Attempts per call, the first included; the SDKs back off between them. */
  maxAttempts: number;
  /** S3 ListParts page size (S3 returns at most 1,000 parts a page). */
  listPageSize: number;
  /** A whole read-back of an object (Azure: the SDK's deadline covers the whole stream). */
  readTimeoutMs: number;
}

export const DEFAULT_TRANSPORT: StoreTransport = {
  requestTimeoutMs: 10_000,
  connectTimeoutMs: 3_000,
  maxAttempts: 3,
  listPageSize: 1_000,
  readTimeoutMs: 600_000,
};

/** What an adapter takes besides its connection options; everything has a default. */
export interface StoreRuntime {
  clock?: Clock;
  transport?: Partial<StoreTransport>;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED']);
const TIMED_OUT = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT']);
const TIMEOUT_NAMES = new Set(['TimeoutError', 'AbortError']);

/**
 * A SignpostError for a failure that never got an HTTP answer from the store
 * (refused, reset, DNS, timeout), or undefined when the store did answer.
 * Looks through `cause` and AggregateError (Node's happy-eyeballs connect).
 */
export function networkFailure(error: unknown, action: string): SignpostError | undefined {
  const kind = networkKind(error, 0);
  if (kind === 'timeout') return errors.storeTimeout(`${action}: the store did not answer in time`, error);
  if (kind === 'unreachable') return errors.storeUnavailable(`${action}: the store is unreachable`, error);
  return undefined;
}

function networkKind(error: unknown, depth: number): 'timeout' | 'unreachable' | undefined {
  if (typeof error !== 'object' || error === null || depth > 4) return undefined;
  const { code, name, errors: inner, cause } = error as { code?: unknown; name?: unknown; errors?: unknown; cause?: unknown };
  if (typeof code === 'string' && TIMED_OUT.has(code)) return 'timeout';
  if (typeof name === 'string' && TIMEOUT_NAMES.has(name)) return 'timeout';
  if (typeof code === 'string' && UNREACHABLE.has(code)) return 'unreachable';
  for (const nested of Array.isArray(inner) ? inner : []) {
    const kind = networkKind(nested, depth + 1);
    if (kind) return kind;
  }
  return networkKind(cause, depth + 1);
}

/** Errors already translated pass through unchanged. */
export function alreadyTranslated(error: unknown): error is SignpostError {
  return error instanceof SignpostError;
}

/**
 * The one translation of a store failure, given the store's own reading of it:
 * no HTTP answer → unavailable or timeout; a "busy, come back later" answer
 * (503, SlowDown, ServerBusy) → unavailable; any other answer → the store
 * refused the broker's own request (5xx, or a 4xx such as AccessDenied that
 * means a misconfigured storage) → failed.
 */
export function translateStoreFailure(error: unknown, what: string, answer: { status: number | undefined; code: string; busy: boolean }): SignpostError {
  if (alreadyTranslated(error)) return error;
  const network = networkFailure(error, what);
  if (network) return network;
  if (answer.busy) return errors.storeUnavailable(`${what} failed: the store is busy (${answer.code})`, error);
  if (answer.status === 501) return errors.storeUnsupported(`${what}: this store does not implement it (${answer.code})`, error);
  return errors.storeFailed(`${what} failed: ${answer.status ?? 'no status'} ${answer.code}`, error);
}
