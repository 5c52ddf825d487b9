// The v1 client's public types. Browser- and Node-safe.
import type { HeaderSource, UploadEvents } from '../types.js';
import type { DigestFactory } from './digests.js';
import type { StoredBlob, UploadPlan, Verification } from './wire.js';

export interface BlobUploadOptions {
  /** Broker origin, e.g. http://127.0.0.1:8080 */
  url: string;
  /** Default /api/v1 */
  basePath?: string;
  /** Credentials (Authorization or X-API-Key); a function is re-read on every request, so tokens can refresh. */
  headers?: HeaderSource;
  /** Parts in flight at once; default 4. */
  parallel?: number;
  /** Parts read, hashed and signed ahead of those in flight; default `parallel`. Memory: (parallel + readAhead) parts. */
  readAhead?: number;
  /** Most parts signed per broker call; default 100. */
  signBatch?: number;
  /** Retries per request before giving up; default 5. */
  retries?: number;
  /** Base backoff; default 500 ms, doubled per retry with jitter, capped at 30 s. */
  retryDelayMs?: number;
  /**
   * Hex SHA-256 of the file when the caller knows it: the broker may answer
   * already_present at once, and the bytes sent are checked against it.
   */
  sha256?: string;
  /**
   * Without `sha256`: hash the whole file first so the broker can answer
   * already_present before a byte is sent. It costs a second read of the file
   * (local), so it is off by default: the file is then read once, hashed while sent.
   */
  dedupe?: boolean;
  storageId?: string;
  /** Default: the source's type. */
  mime?: string;
  tags?: string[];
  /** The upload and its object get the broker's temporary lifetime. */
  temporary?: boolean;
  /**
   * An upload session's blob: its upload already exists (no POST /uploads) and
   * it is finished with PUT /upload-sessions/:sid/blobs/:sha256.
   */
  session?: { id: string; upload: UploadPlan; uploadToken?: string };
  fetch?: typeof fetch;
  /** Default: node:crypto from signpost/client/node, hash-wasm elsewhere. */
  digests?: DigestFactory;
  /** Aborting it cancels the upload (like cancel()). */
  signal?: AbortSignal;
}

export interface BlobUploadResult {
  /** The upload record's id (for already_present: the new record pointing at the existing object). */
  id: string;
  fileName: string;
  size: number;
  /** Hex SHA-256 of the file. */
  sha256: string;
  /** The store already held a verified blob with this digest: nothing was sent. */
  alreadyPresent: boolean;
  /** How the broker checked the digest; absent when already present (checked when it was first stored). */
  verified?: Verification;
  /** The stored object, when the broker says (already present, session blobs). */
  blob?: StoredBlob;
  partsSent: number;
}

export type BlobUploadEvents = UploadEvents;
