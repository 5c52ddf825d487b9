// The client's public types. Browser- and Node-safe: nothing here imports Node.
import type { Hasher } from './hasher.js';

/** Anything that can hand out byte ranges of a file: a Blob/File, or fileSource() in Node. */
export interface UploadSource {
  name: string;
  size: number;
  type?: string;
  /** Bytes [start, end). Called again for a retry, so it must re-read, not cache. */
  slice(start: number, end: number): Promise<Uint8Array>;
  /** Set by the Blob adapter so a Worker hasher can read the Blob itself. */
  blob?: Blob;
  /**
   * Reads bytes from `start` into `target` (fewer only at the end) and answers how many: a
   * hasher then reuses two buffers instead of a fresh one per chunk (fileSource has it; a
   * whole-file pass in fresh 8 MiB buffers spent more on page faults than on MD5).
   */
  readInto?(start: number, target: Uint8Array): Promise<number>;
}

export type HeaderSource = Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);

export interface UploadOptions {
  /** Broker origin, e.g. http://127.0.0.1:8080 */
  url: string;
  /** Default /api/engine/v2/uploads */
  basePath?: string;
  /** Credentials (Authorization or X-API-Key); a function is re-read on every request, so tokens can refresh. */
  headers?: HeaderSource;
  /** Parts in flight at once; default 4. */
  parallel?: number;
  /** Retries per request before giving up; default 5. */
  retries?: number;
  /** Base backoff; default 500 ms, doubled per retry with jitter, capped at 30 s. */
  retryDelayMs?: number;
  storageId?: string;
  mime?: string;
  tags?: string[];
  public?: boolean;
  fetch?: typeof fetch;
  /** Default: hash-wasm in the calling thread (the browser build passes a Worker-backed one). */
  hasher?: Hasher;
  /** Aborting it cancels the upload (like cancel()). */
  signal?: AbortSignal;
}

export type UploadState = 'hashing' | 'uploading' | 'paused' | 'finishing' | 'complete' | 'cancelled' | 'failed';

export interface ProgressEvent {
  bytesDone: number;
  bytesTotal: number;
  /** Bytes per second sent in this session, smoothed (EMA); 0 until measured. */
  rate: number;
  /** Seconds left at the current rate; null while the rate is unknown. */
  etaSeconds: number | null;
  partsDone: number;
  partsTotal: number;
}

export interface HashingEvent {
  bytesHashed: number;
  bytesTotal: number;
}

export interface PartEvent {
  part: number;
  status: 'done' | 'skipped' | 'retry';
  attempt: number;
  /** Why a retry happened (the error's code), for 'retry' only. */
  reason?: string;
}

export interface UploadEvents {
  progress: ProgressEvent;
  state: UploadState;
  part: PartEvent;
  /** Extension: the whole-file MD5 pass, which comes before anything is sent. */
  hashing: HashingEvent;
}

export interface UploadResult {
  uploadId: string;
  residence: string;
  fileName: string;
  size: number;
  /** The broker answered `parts`: an earlier upload of this file was continued. */
  resumed: boolean;
  partsSent: number;
  partsSkipped: number;
}
