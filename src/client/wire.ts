// The broker's response shapes (src/http/serialise.ts) as the client reads
// them, with just enough checking to fail clearly on a non-Signpost server.
import type { UpdateUploadBody } from '../../schemas/placeos/requests.js';
import { UploadError } from './errors.js';

export interface WireSignature {
  verb: string;
  url: string;
  headers: Record<string, string>;
}

export interface CreateResponse {
  type: 'direct_upload' | 'chunked_upload' | 'parts';
  signature: WireSignature;
  upload_id: string;
  residence?: string;
  /** Our extensions; absent on a plain PlaceOS server. */
  part_size?: number;
  part_count?: number;
  resumable_id?: string | null;
  upload_token?: string;
  /** `parts` only: what the broker knows is done. */
  part_list?: number[];
  part_data?: Record<string, { md5: string; part: number }>;
}

export interface ResidenceResponse {
  residence?: string;
  storage_id?: string;
  part_size?: number;
  part_count?: number;
}

export interface FinishResponse {
  type: 'finish';
  signature: WireSignature;
  body: string;
}

export interface UploadStatus {
  id: string;
  file_name: string;
  file_size: number;
  state: string;
  part_list?: number[];
  bytes_known?: number;
  part_count?: number;
  expires_at?: string | null;
  [field: string]: unknown;
}

/** What a PATCH reports (PlaceOS UpdateInfo): the type derived from the schema the broker validates it with. */
export type ProgressReport = Pick<UpdateUploadBody, 'resumable_id' | 'part_list' | 'part_data'>;

function badResponse(what: string, value: unknown): UploadError {
  return new UploadError({ code: 'bad_response', message: `the broker's ${what} answer is not what Signpost sends: ${JSON.stringify(value)?.slice(0, 200)}` });
}

function isSignature(value: unknown): value is WireSignature {
  const s = value as WireSignature | null;
  return typeof s === 'object' && s !== null && typeof s.verb === 'string' && typeof s.url === 'string' && typeof s.headers === 'object' && s.headers !== null;
}

export function checkCreate(value: unknown): CreateResponse {
  const r = value as CreateResponse | null;
  const known = r !== null && typeof r === 'object' && ['direct_upload', 'chunked_upload', 'parts'].includes(r.type);
  if (!known || typeof r.upload_id !== 'string' || !isSignature(r.signature)) throw badResponse('create', value);
  return r;
}

export function checkPartSignature(value: unknown): WireSignature {
  const r = value as { type?: string; signature?: unknown } | null;
  if (r === null || typeof r !== 'object' || r.type !== 'part_upload' || !isSignature(r.signature)) throw badResponse('part signature', value);
  return r.signature;
}

export function checkFinish(value: unknown): FinishResponse {
  const r = value as FinishResponse | null;
  if (r === null || typeof r !== 'object' || r.type !== 'finish' || !isSignature(r.signature) || typeof r.body !== 'string') throw badResponse('finish', value);
  return r;
}
