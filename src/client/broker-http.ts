// HTTP to the broker, whichever of its APIs: credentials re-read per request,
// JSON in and out, transient failures (network, 408, 429, 5xx) retried with
// backoff, refusals turned into UploadError carrying the broker's {error, message}.
import { retryDelay, sleep, MAX_BACKOFF_MS } from './backoff.js';
import { withChildSignal } from './control.js';
import { describeNetworkError, isAbortError, isRetryableStatus, parseRetryAfter, UploadError } from './errors.js';
import type { HeaderSource } from './types.js';

export interface BrokerHttpOptions {
  url: string;
  basePath: string;
  headers?: HeaderSource | undefined;
  fetch?: typeof fetch | undefined;
  retries?: number | undefined;
  retryDelayMs?: number | undefined;
}

export interface BrokerResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body; undefined when empty or not JSON. */
  body: unknown;
}

export interface BrokerRequest {
  method: string;
  /** Below the base path, with its query string. */
  path: string;
  body?: unknown;
  /** Sent beside the credentials (e.g. X-Upload-Token). */
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** 'manual' answers a redirect (GET /blobs/:digest → 303) instead of following it with our credentials. */
  redirect?: 'manual';
}

export class BrokerHttp {
  readonly base: string;
  private readonly fetch: typeof fetch;
  private readonly retries: number;
  private readonly retryDelayMs: number;

  constructor(private readonly options: BrokerHttpOptions) {
    this.base = options.url.replace(/\/+$/, '') + options.basePath.replace(/\/+$/, '');
    // Unbound window.fetch throws "Illegal invocation" in browsers.
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.retries = options.retries ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 500;
  }

  async request(request: BrokerRequest): Promise<BrokerResponse> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await withChildSignal(request.signal, (child) => this.requestOnce(request, child));
      } catch (error) {
        if (isAbortError(error) || !(error instanceof UploadError) || !error.retryable || attempt > this.retries) throw error;
        if (error.status === 401 && attempt > 1) throw error; // one refresh is a chance; more is a wrong credential
        await sleep(retryDelay(attempt, { baseMs: this.retryDelayMs, capMs: MAX_BACKOFF_MS }, error.retryAfter), request.signal);
      }
    }
  }

  private async requestOnce({ method, path, body, headers: extra, redirect }: BrokerRequest, signal: AbortSignal | undefined): Promise<BrokerResponse> {
    const credentials = typeof this.options.headers === 'function' ? await this.options.headers() : (this.options.headers ?? {});
    const headers: Record<string, string> = { accept: 'application/json', ...credentials, ...extra };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.fetch(this.base + path, { method, headers, ...(redirect ? { redirect } : {}), ...(body === undefined ? {} : { body: JSON.stringify(body) }), ...(signal ? { signal } : {}) });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new UploadError({ code: 'network', message: `${method} ${this.base}${path}: ${describeNetworkError(error)}`, retryable: true, cause: error });
    }
    const text = await res.text();
    const json = parseJson(text);
    if (res.ok || (redirect === 'manual' && res.status >= 300 && res.status < 400)) return { status: res.status, headers: res.headers, body: json };
    const { error, message } = (json ?? {}) as { error?: unknown; message?: unknown };
    const brokerMessage = typeof message === 'string' ? message : undefined;
    const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
    throw new UploadError({
      code: typeof error === 'string' ? error : `http_${res.status}`,
      message: brokerMessage ?? `${method} ${path} answered ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
      status: res.status,
      ...(brokerMessage === undefined ? {} : { brokerMessage }),
      ...(retryAfter === undefined ? {} : { retryAfter }),
      // A refreshed credential may cure a 401 when the caller gave a getter. The cap on unfinished
      // uploads is a 429 too, but it lifts only when one of the caller's uploads ends (its
      // Retry-After can be a day away): waiting here would only delay the failure.
      retryable: (isRetryableStatus(res.status) && error !== 'too_many_uploads') || (res.status === 401 && typeof this.options.headers === 'function'),
    });
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
