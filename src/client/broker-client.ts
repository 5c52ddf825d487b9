// Calls to the broker: credentials re-read per request, JSON in and out,
// transient failures (network, 408, 429, 5xx) retried with backoff, refusals
// turned into UploadError carrying the broker's {error, message}.
import { retryDelay, sleep, MAX_BACKOFF_MS } from './backoff.js';
import { withChildSignal } from './control.js';
import { describeNetworkError, isAbortError, isRetryableStatus, parseRetryAfter, UploadError } from './errors.js';
import type { HeaderSource } from './types.js';
import type { CreateUploadBody, NewUploadQuery } from '../../schemas/placeos/requests.js';
import { checkCreate, checkFinish, checkPartSignature, type CreateResponse, type FinishResponse, type ProgressReport, type ResidenceResponse, type UploadStatus, type WireSignature } from './wire.js';

export const DEFAULT_BASE_PATH = '/api/engine/v2/uploads';

export interface BrokerClientOptions {
  url: string;
  basePath?: string;
  headers?: HeaderSource;
  fetch?: typeof fetch;
  retries?: number;
  retryDelayMs?: number;
}

/** POST / body: the type derived from the schema the broker validates it with. */
export type CreateRequest = CreateUploadBody;

export class BrokerClient {
  private readonly base: string;
  private readonly fetch: typeof fetch;
  private readonly retries: number;
  private readonly retryDelayMs: number;

  constructor(private readonly options: BrokerClientOptions) {
    this.base = options.url.replace(/\/+$/, '') + (options.basePath ?? DEFAULT_BASE_PATH).replace(/\/+$/, '');
    // Unbound window.fetch throws "Illegal invocation" in browsers.
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.retries = options.retries ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 500;
  }

  /** GET /new: which storage would take this file, and (our extension) its part plan. Refuses what POST / would refuse. */
  async residence(query: NewUploadQuery, signal?: AbortSignal): Promise<ResidenceResponse> {
    const params = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
    return (await this.request('GET', `/new?${params}`, undefined, signal)) as ResidenceResponse;
  }

  async create(body: CreateRequest, signal?: AbortSignal): Promise<CreateResponse> {
    return checkCreate(await this.request('POST', '/', body, signal));
  }

  /** PATCH /:id?part=N&file_id=md5: records progress and signs part N. */
  async signPart(id: string, part: number, md5: string, report: ProgressReport, signal?: AbortSignal): Promise<WireSignature> {
    const query = `?part=${part}&file_id=${encodeURIComponent(md5)}`;
    return checkPartSignature(await this.request('PATCH', `/${encodeURIComponent(id)}${query}`, report, signal));
  }

  /** PATCH /:id without a part: the commit request and its body. */
  async finish(id: string, report: ProgressReport, signal?: AbortSignal): Promise<FinishResponse> {
    return checkFinish(await this.request('PATCH', `/${encodeURIComponent(id)}`, report, signal));
  }

  /** PUT /:id: the broker verifies the object in the store (422 when it does not match). */
  async finalize(id: string, signal?: AbortSignal): Promise<void> {
    await this.request('PUT', `/${encodeURIComponent(id)}`, undefined, signal);
  }

  async status(id: string, signal?: AbortSignal): Promise<UploadStatus> {
    return (await this.request('GET', `/${encodeURIComponent(id)}`, undefined, signal)) as UploadStatus;
  }

  /** DELETE /:id (idempotent on the broker). */
  async abort(id: string, signal?: AbortSignal): Promise<void> {
    await this.request('DELETE', `/${encodeURIComponent(id)}`, undefined, signal);
  }

  private async request(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await withChildSignal(signal, (child) => this.requestOnce(method, path, body, child));
      } catch (error) {
        if (isAbortError(error) || !(error instanceof UploadError) || !error.retryable || attempt > this.retries) throw error;
        if (error.status === 401 && attempt > 1) throw error; // one refresh is a chance; more is a wrong credential
        await sleep(retryDelay(attempt, { baseMs: this.retryDelayMs, capMs: MAX_BACKOFF_MS }, error.retryAfter), signal);
      }
    }
  }

  private async requestOnce(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const credentials = typeof this.options.headers === 'function' ? await this.options.headers() : (this.options.headers ?? {});
    const headers: Record<string, string> = { accept: 'application/json', ...credentials };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.fetch(this.base + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), ...(signal ? { signal } : {}) });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new UploadError({ code: 'network', message: `${method} ${this.base}${path}: ${describeNetworkError(error)}`, retryable: true, cause: error });
    }
    const text = await res.text();
    const json = parseJson(text);
    if (res.ok) return json;
    const { error, message } = (json ?? {}) as { error?: unknown; message?: unknown };
    const brokerMessage = typeof message === 'string' ? message : undefined;
    const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
    return Promise.reject(
      new UploadError({
        code: typeof error === 'string' ? error : `http_${res.status}`,
        message: brokerMessage ?? `${method} ${path} answered ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
        status: res.status,
        ...(brokerMessage === undefined ? {} : { brokerMessage }),
        ...(retryAfter === undefined ? {} : { retryAfter }),
        // A refreshed credential may cure a 401 when the caller gave a getter.
        retryable: isRetryableStatus(res.status) || (res.status === 401 && typeof this.options.headers === 'function'),
      }),
    );
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
