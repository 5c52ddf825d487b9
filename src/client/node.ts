// Node-only: everything of signpost/client, plus a file on disk as an
// UploadSource, node:crypto digests for API v1, and a folder synced through an
// upload session.
import { upload as uploadWith, uploadBlob as uploadBlobWith } from './index.js';
import { nodeFetch } from './node-fetch.js';
import { nodeHasher } from './node-hasher.js';
import type { UploadTask } from './upload-task.js';
import type { UploadOptions, UploadSource } from './types.js';
import type { BlobUploadTask } from './v1/blob-task.js';
import { nodeDigests } from './v1/node-digests.js';
import type { BlobUploadOptions } from './v1/types.js';

export { fileSource, type FileSourceOptions } from './file-source.js';

/** Like the core uploadBlob(), but hashes with node:crypto (several times faster than hash-wasm in Node) unless options.digests is given. */
export function uploadBlob(source: UploadSource | Blob, options: BlobUploadOptions): BlobUploadTask {
  return uploadBlobWith(source, { ...options, digests: options.digests ?? nodeDigests, fetch: options.fetch ?? nodeFetch });
}

/** Like the core upload(), but hashes with node:crypto and sends parts with nodeFetch unless options say otherwise. */
export function upload(source: UploadSource | Blob, options: UploadOptions): UploadTask {
  return uploadWith(source, { ...options, hasher: options.hasher ?? nodeHasher, fetch: options.fetch ?? nodeFetch });
}

export { nodeHasher } from './node-hasher.js';
export { nodeFetch } from './node-fetch.js';
export { nodeDigests } from './v1/node-digests.js';
export { syncFolder, DEFAULT_MANIFEST, type SyncOptions, type SyncObserver, type SyncFileObserver, type SyncProgress, type SyncPhase, type SyncResult, type SyncedFile, type SyncFailure, type Manifest, type ManifestEntry } from './v1/sync.js';
export { listFolder, type FolderFile, type FolderListing, type SkippedEntry } from './v1/folder.js';
export * from './index.js';
