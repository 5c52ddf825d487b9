// The browser entry: upload() hashing in Web Workers by default. Bundle with
//   esbuild src/client/browser.ts --bundle --format=esm --outfile=…/signpost-client.js
//   esbuild src/client/md5-worker.ts --bundle --format=esm --outfile=…/md5-worker.js
// and serve both from the same directory (or pass hasher: createWorkerHasher({url})).
import { upload as uploadWith } from './index.js';
import type { Hasher } from './hasher.js';
import type { UploadOptions, UploadSource } from './types.js';
import type { UploadTask } from './upload-task.js';
import { createWorkerHasher } from './worker-hasher.js';

let shared: Hasher | undefined;

/** Like the core upload(), but hashes in a shared Worker pool unless options.hasher is given. */
export function upload(source: UploadSource | Blob, options: UploadOptions): UploadTask {
  return uploadWith(source, { ...options, hasher: options.hasher ?? (shared ??= createWorkerHasher()) });
}

export { createWorkerHasher, type WorkerHasherOptions } from './worker-hasher.js';
export { UploadTask, UploadError, BrokerClient, blobSource, inThreadHasher, type Hasher } from './index.js';
// API v1: hashes with hash-wasm in the calling thread, one part at a time as it is read.
export { uploadBlob, BlobUploadTask, V1Client, wasmDigests, type DigestFactory } from './index.js';
// Seed 004: a new blob from ranges of stored ones, copied by the store.
export { compose, planComposition, type ComposeRange, type ComposeOptions, type ComposeResult } from './index.js';
export type * from './v1/types.js';
export type * from './types.js';
