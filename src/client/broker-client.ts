// Calls to the broker's PlaceOS API (retries and errors: broker-http.ts).
import { BrokerHttp } from './broker-http.js';
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
  private readonly http: BrokerHttp;

  constructor(options: BrokerClientOptions) {
    this.http = new BrokerHttp({ ...options, basePath: options.basePath ?? DEFAULT_BASE_PATH });
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
    return (await this.http.request({ method, path, body, signal })).body;
  }
}
