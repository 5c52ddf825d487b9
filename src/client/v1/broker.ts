// Calls to Signpost API v1 (base /api/v1): uploads, their parts signed in
// batches, completion by digest, blobs by digest, upload sessions. Retries and
// errors as the PlaceOS client's (broker-http.ts).
import { BrokerHttp } from '../broker-http.js';
import type { HeaderSource } from '../types.js';
import {
  badResponse,
  checkCompleted,
  checkCopiedPart,
  checkInitiate,
  checkSession,
  checkSessionBlob,
  checkSignedParts,
  type CompletedUpload,
  type CopiedPart,
  type CopyPartRequest,
  type CreatedSession,
  type InitiateAnswer,
  type InitiateRequest,
  type PartToSign,
  type SessionRequest,
  type SignedPart,
  type UploadProgress,
  type UploadRecordV1,
  type VerifiedSessionBlob,
} from './wire.js';

export const V1_BASE_PATH = '/api/v1';

export interface V1ClientOptions {
  /** Broker origin, e.g. http://127.0.0.1:8080 */
  url: string;
  /** Default /api/v1 */
  basePath?: string | undefined;
  /** Credentials (Authorization or X-API-Key); a function is re-read on every request. */
  headers?: HeaderSource | undefined;
  /** An upload's or a session's token, sent as X-Upload-Token on its routes (with or instead of credentials). */
  uploadToken?: string | undefined;
  fetch?: typeof fetch | undefined;
  retries?: number | undefined;
  retryDelayMs?: number | undefined;
}

const id = (value: string) => encodeURIComponent(value);

export class V1Client {
  private readonly http: BrokerHttp;
  private readonly tokenHeader: Record<string, string>;

  constructor(options: V1ClientOptions) {
    this.http = new BrokerHttp({ ...options, basePath: options.basePath ?? V1_BASE_PATH });
    this.tokenHeader = options.uploadToken === undefined ? {} : { 'X-Upload-Token': options.uploadToken };
  }

  /** POST /uploads: 202 and a plan, or 200 already_present when a verified blob has this sha256 and size. */
  async initiate(body: InitiateRequest, signal?: AbortSignal): Promise<InitiateAnswer> {
    return checkInitiate((await this.http.request({ method: 'POST', path: '/uploads', body, signal })).body);
  }

  /**
   * POST /uploads/:id/parts: one call signs every part asked for. `serverTime`
   * is the end of the second in the answer's Date header, so a URL's lifetime
   * can be read off expires_at whatever the local clock says.
   */
  async signParts(uploadId: string, parts: PartToSign[], signal?: AbortSignal): Promise<{ parts: SignedPart[]; serverTime?: number }> {
    const res = await this.http.request({ method: 'POST', path: `/uploads/${id(uploadId)}/parts`, body: { parts }, headers: this.tokenHeader, signal });
    const date = Date.parse(res.headers.get('date') ?? '');
    return { parts: checkSignedParts(res.body, parts.map((p) => p.number)), ...(Number.isFinite(date) ? { serverTime: date + 999 } : {}) };
  }

  /**
   * POST /uploads/:id/parts/:n/copy: the store copies a range of a stored blob the
   * caller may read into part n (seed 004); no byte passes through the client.
   */
  async copyPart(uploadId: string, partNumber: number, request: CopyPartRequest, signal?: AbortSignal): Promise<CopiedPart> {
    const res = await this.http.request({ method: 'POST', path: `/uploads/${id(uploadId)}/parts/${partNumber}/copy`, body: request, headers: this.tokenHeader, signal });
    return checkCopiedPart(res.body, partNumber);
  }

  /**
   * POST /uploads/:id/complete?digest=sha-256:<hex>: the broker commits, verifies, and answers 201
   * (422 on a wrong digest). Without a digest the broker establishes it (reads the object back).
   */
  async complete(uploadId: string, sha256?: string, signal?: AbortSignal): Promise<CompletedUpload> {
    const digest = sha256 === undefined ? '' : `?digest=${encodeURIComponent(`sha-256:${sha256}`)}`;
    return checkCompleted((await this.http.request({ method: 'POST', path: `/uploads/${id(uploadId)}/complete${digest}`, headers: this.tokenHeader, signal })).body);
  }

  /** GET /uploads/:id/status: how many bytes the store holds (from Range). */
  async progress(uploadId: string, signal?: AbortSignal): Promise<UploadProgress> {
    const res = await this.http.request({ method: 'GET', path: `/uploads/${id(uploadId)}/status`, headers: this.tokenHeader, signal });
    const range = res.headers.get('range');
    const last = range === null ? undefined : /^bytes=0-(\d+)$/.exec(range.trim())?.[1];
    if (range !== null && last === undefined) throw badResponse('GET /uploads/:id/status Range', range);
    const expires = res.headers.get('upload-expires');
    return { id: res.headers.get('upload-id') ?? uploadId, storedBytes: last === undefined ? 0 : Number(last) + 1, ...(expires === null ? {} : { expires }) };
  }

  /** GET /uploads/:id: the record. */
  async record(uploadId: string, signal?: AbortSignal): Promise<UploadRecordV1> {
    return (await this.http.request({ method: 'GET', path: `/uploads/${id(uploadId)}`, headers: this.tokenHeader, signal })).body as UploadRecordV1;
  }

  /** DELETE /uploads/:id: aborts the store's multipart upload; 204. */
  async destroy(uploadId: string, signal?: AbortSignal): Promise<void> {
    await this.http.request({ method: 'DELETE', path: `/uploads/${id(uploadId)}`, headers: this.tokenHeader, signal });
  }

  /** GET /blobs/:digest → the presigned GET its 303 points at (fetch it without credentials). */
  async blobUrl(sha256: string, signal?: AbortSignal): Promise<string> {
    const res = await this.http.request({ method: 'GET', path: `/blobs/sha256:${id(sha256)}`, redirect: 'manual', signal });
    const location = res.headers.get('location');
    if (res.status !== 303 || location === null) throw badResponse(`GET /blobs/sha256:${sha256} (status ${res.status})`, res.body);
    return location;
  }

  /** POST /upload-sessions: which blobs the store lacks, each with an upload to send. */
  async createSession(body: SessionRequest, signal?: AbortSignal): Promise<CreatedSession> {
    return checkSession((await this.http.request({ method: 'POST', path: '/upload-sessions', body, signal })).body);
  }

  /** PUT /upload-sessions/:sid/blobs/:sha256: the bytes are in the store; the broker verifies them. */
  async verifySessionBlob(sessionId: string, sha256: string, signal?: AbortSignal): Promise<VerifiedSessionBlob> {
    const res = await this.http.request({ method: 'PUT', path: `/upload-sessions/${id(sessionId)}/blobs/${id(sha256)}`, headers: this.tokenHeader, signal });
    return checkSessionBlob(res.body);
  }

  /** GET /upload-sessions/:sid */
  async session(sessionId: string, signal?: AbortSignal): Promise<unknown> {
    return (await this.http.request({ method: 'GET', path: `/upload-sessions/${id(sessionId)}`, headers: this.tokenHeader, signal })).body;
  }

  /** POST /upload-sessions/:sid/complete: 200 when every blob is present, 409 naming the missing ones. */
  async completeSession(sessionId: string, signal?: AbortSignal): Promise<unknown> {
    return (await this.http.request({ method: 'POST', path: `/upload-sessions/${id(sessionId)}/complete`, headers: this.tokenHeader, signal })).body;
  }
}
