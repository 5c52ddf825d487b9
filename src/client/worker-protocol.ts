// Messages between worker-hasher.ts and md5-worker.ts.

export interface WorkerRequest {
  id: number;
  /** Either a Blob and a range (the worker reads it itself)… */
  blob?: Blob;
  start: number;
  end: number;
  /** …or the bytes, transferred (for sources that are not Blobs). */
  bytes?: ArrayBuffer;
}

export type WorkerReply =
  | { id: number; progress: number }
  | { id: number; md5: string }
  | { id: number; error: string };
