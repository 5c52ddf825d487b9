// Signpost API v1 as the client reads it (base /api/v1): the answers' shapes,
// with just enough checking to fail clearly on a server that is not Signpost.
import { UploadError } from '../errors.js';

export type Strategy = 'single' | 'multipart';
export type Verification = 'store' | 'read-back' | 'declared';

/** POST /uploads body. */
export interface InitiateRequest {
  filename: string;
  size: number;
  /** The part size wanted (seed 004); outside the storage's part policy → 400. Default: the broker's plan. */
  part_size?: number;
  /** Hex SHA-256 of the whole file: lets the broker answer already_present. */
  sha256?: string;
  content_type?: string;
  temporary?: boolean;
  storage_id?: string;
  tags?: string[];
}

/** What a created upload's plan says, from POST /uploads or an upload session's blob. */
export interface UploadPlan {
  id: string;
  strategy: Strategy;
  part_size: number;
  part_count: number;
}

export interface StoredBlob {
  sha256: string;
  size: number;
  mime?: string;
  key?: string;
}

/** 202: an upload to send. */
export interface CreatedUpload extends UploadPlan {
  already_present?: false;
  upload_token: string;
  expires_at: string;
}

/** 200: the store already holds a verified blob with this digest and size. */
export interface PresentUpload {
  id: string;
  already_present: true;
  blob: StoredBlob;
}

export type InitiateAnswer = CreatedUpload | PresentUpload;

/** One part of POST /uploads/:id/parts: md5 base64, sha256 hex. */
export interface PartToSign {
  number: number;
  md5?: string;
  sha256?: string;
}

export interface SignedPart {
  number: number;
  method: string;
  url: string;
  headers: Record<string, string>;
  expires_at: string;
}

/** POST /uploads/:id/parts/:n/copy body: a range of a stored blob the caller may read (seed 004). */
export interface CopyPartRequest {
  source: { sha256: string } | { upload_id: string };
  /** `bytes=<first>-<last>`: one range, both ends, first a multiple of 1 MiB, exactly part n's planned size. */
  range: string;
}

/** 200 from POST /uploads/:id/parts/:n/copy; md5 (hex) when the store reports one. */
export interface CopiedPart {
  number: number;
  size: number;
  md5?: string;
}

/** 201 from POST /uploads/:id/complete. */
export interface CompletedUpload {
  id: string;
  sha256: string;
  size: number;
  verified: Verification;
}

/** GET /uploads/:id/status (204 and headers). */
export interface UploadProgress {
  id: string;
  /** Bytes [0, storedBytes) are in the store; 0 when the Range header is absent. */
  storedBytes: number;
  expires?: string;
}

/** GET /uploads/:id: the record. */
export interface UploadRecordV1 {
  id: string;
  filename: string;
  size: number;
  sha256?: string | null;
  state: string;
  strategy?: Strategy;
  part_size?: number;
  part_count?: number;
  temporary?: boolean;
  storage_id?: string;
  expires_at?: string | null;
  verified?: Verification | null;
  [field: string]: unknown;
}

/** POST /upload-sessions body. */
export interface SessionRequest {
  blobs: Array<{ sha256: string; size: number; mime?: string; name?: string }>;
  temporary?: boolean;
}

export interface SessionBlob {
  sha256: string;
  size: number;
  alreadyPresent: boolean;
  upload?: UploadPlan;
}

/** 201 from POST /upload-sessions. */
export interface CreatedSession {
  uploadSessionId: string;
  uploadToken: string;
  expires_at?: string;
  blobs: SessionBlob[];
}

/** 200 from PUT /upload-sessions/:sid/blobs/:sha256. */
export interface VerifiedSessionBlob {
  uploadSessionId: string;
  alreadyPresent: boolean;
  blob: StoredBlob;
}

export function badResponse(what: string, value: unknown): UploadError {
  return new UploadError({ code: 'bad_response', message: `the broker's ${what} answer is not what Signpost API v1 sends: ${JSON.stringify(value)?.slice(0, 200)}` });
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;
const isSha256 = (value: unknown): value is string => typeof value === 'string' && /^[0-9a-f]{64}$/i.test(value);

export function isPlan(value: unknown): value is UploadPlan {
  return isObject(value) && typeof value['id'] === 'string' && (value['strategy'] === 'single' || value['strategy'] === 'multipart') && isCount(value['part_size']) && isCount(value['part_count']) && value['part_count'] >= 1;
}

function isBlob(value: unknown): value is StoredBlob {
  return isObject(value) && isSha256(value['sha256']) && isCount(value['size']);
}

export function checkInitiate(value: unknown): InitiateAnswer {
  if (isObject(value) && value['already_present'] === true && typeof value['id'] === 'string' && isBlob(value['blob'])) return value as unknown as PresentUpload;
  if (isPlan(value) && typeof (value as Partial<CreatedUpload>).upload_token === 'string') return value as CreatedUpload;
  throw badResponse('POST /uploads', value);
}

export function checkSignedParts(value: unknown, asked: number[]): SignedPart[] {
  const parts = isObject(value) ? value['parts'] : undefined;
  const valid =
    Array.isArray(parts) &&
    parts.every((p) => isObject(p) && isCount(p['number']) && typeof p['method'] === 'string' && typeof p['url'] === 'string' && isObject(p['headers']) && typeof p['expires_at'] === 'string');
  if (!valid) throw badResponse('POST /uploads/:id/parts', value);
  const signed = parts as SignedPart[];
  const missing = asked.filter((n) => !signed.some((p) => p.number === n));
  if (missing.length > 0) throw badResponse(`POST /uploads/:id/parts (no signature for part ${missing.join(', ')})`, value);
  return signed;
}

export function checkCopiedPart(value: unknown, number: number): CopiedPart {
  if (isObject(value) && value['number'] === number && isCount(value['size']) && (value['md5'] === undefined || typeof value['md5'] === 'string')) return value as unknown as CopiedPart;
  throw badResponse(`POST /uploads/:id/parts/${number}/copy`, value);
}

export function checkCompleted(value: unknown): CompletedUpload {
  if (isObject(value) && typeof value['id'] === 'string' && isSha256(value['sha256']) && isCount(value['size']) && typeof value['verified'] === 'string') return value as unknown as CompletedUpload;
  throw badResponse('POST /uploads/:id/complete', value);
}

export function checkSession(value: unknown): CreatedSession {
  const valid =
    isObject(value) &&
    typeof value['uploadSessionId'] === 'string' &&
    typeof value['uploadToken'] === 'string' &&
    Array.isArray(value['blobs']) &&
    value['blobs'].every((b: unknown) => isObject(b) && isSha256(b['sha256']) && typeof b['alreadyPresent'] === 'boolean' && (b['alreadyPresent'] === true || isPlan(b['upload'])));
  if (!valid) throw badResponse('POST /upload-sessions', value);
  return value as unknown as CreatedSession;
}

export function checkSessionBlob(value: unknown): VerifiedSessionBlob {
  if (isObject(value) && typeof value['uploadSessionId'] === 'string' && typeof value['alreadyPresent'] === 'boolean' && isBlob(value['blob'])) return value as unknown as VerifiedSessionBlob;
  throw badResponse('PUT /upload-sessions/:sid/blobs/:sha256', value);
}
