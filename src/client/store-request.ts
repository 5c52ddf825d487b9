// Sending a signed request to the store exactly as the broker described it,
// and reading the store's verdict. Never depends on response headers (a
// browser only sees those the bucket's CORS exposes): the broker knows the MD5s.
import { withChildSignal } from './control.js';
import { describeNetworkError, isRetryableStatus, UploadError } from './errors.js';
import type { WireSignature } from './wire.js';

/** What the uploader does after a store failure. */
export type StoreFailure = 'resign' | 'reread' | 'retry' | 'fatal';

// Browsers refuse to let scripts set these, and Node's fetch computes
// Content-Length from the body itself (the signed value is the same number).
const UNSENDABLE = new Set(['content-length', 'host']);

export function sendableHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !UNSENDABLE.has(name.toLowerCase())));
}

/** `<Code>` and `<Message>` of an S3 or Azure XML error body. */
export function storeErrorOf(xml: string): { code?: string; message?: string } {
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(xml)?.[1];
  return { ...(code === undefined ? {} : { code }), ...(message === undefined ? {} : { message: message.split('\n')[0] ?? message }) };
}

export interface StoreResponse {
  status: number;
  body: string;
}

/** Sends the signed request; resolves with the body on 2xx, else throws UploadError code 'store_rejected' or 'store_unreachable'. */
export function sendSigned(fetchFn: typeof fetch, signature: WireSignature, body: Uint8Array | Blob | string | undefined, signal?: AbortSignal): Promise<StoreResponse> {
  return withChildSignal(signal, (child) => sendOnce(fetchFn, signature, body, child));
}

async function sendOnce(fetchFn: typeof fetch, signature: WireSignature, body: Uint8Array | Blob | string | undefined, signal: AbortSignal | undefined): Promise<StoreResponse> {
  let res: Response;
  try {
    res = await fetchFn(signature.url, {
      method: signature.verb,
      headers: sendableHeaders(signature.headers),
      ...(body === undefined ? {} : { body: body as BodyInit }),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new UploadError({ code: 'store_unreachable', message: `${signature.verb} to the store failed: ${describeNetworkError(error)}`, retryable: true, cause: error });
  }
  const text = await res.text();
  if (res.ok) return { status: res.status, body: text };
  throw storeRejection(res.status, text, signature.verb);
}

export function storeRejection(status: number, text: string, verb: string): UploadError {
  const { code, message } = storeErrorOf(text);
  return new UploadError({
    code: 'store_rejected',
    status,
    message: `the store refused the ${verb}: ${status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`,
    retryable: isRetryableStatus(status),
  });
}

/**
 * 403: the signature expired (or the clock drifted) → ask the broker for a fresh one.
 * 400: BadDigest / InvalidOperation (MD5 mismatch) → the bytes changed in flight: re-read, re-hash.
 * Network, 408, 429, 5xx → back off and retry. Anything else will not get better.
 */
export function classifyStoreFailure(error: unknown): StoreFailure {
  if (!(error instanceof UploadError)) return 'fatal';
  if (error.code === 'store_unreachable') return 'retry';
  if (error.code !== 'store_rejected' || error.status === undefined) return 'fatal';
  if (error.status === 403) return 'resign';
  if (error.status === 400) return 'reread';
  return isRetryableStatus(error.status) ? 'retry' : 'fatal';
}
