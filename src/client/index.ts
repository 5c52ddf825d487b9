// signpost/client: upload files straight to S3 or Azure Blob through a
// Signpost broker. Browser- and Node-safe: nothing reachable from here imports node:*.
import { toSource } from './source.js';
import type { UploadOptions, UploadSource } from './types.js';
import { UploadTask } from './upload-task.js';
import { BlobUploadTask } from './v1/blob-task.js';
import type { BlobUploadOptions } from './v1/types.js';

/** Starts uploading at once; listen to events on the task and await `task.done`. */
export function upload(source: UploadSource | Blob, options: UploadOptions): UploadTask {
  return new UploadTask(toSource(source), options);
}

/**
 * API v1: uploads by SHA-256 (dedupe, batch-signed parts, completion by digest).
 * Starts at once; listen to events on the task and await `task.done`.
 */
export function uploadBlob(source: UploadSource | Blob, options: BlobUploadOptions): BlobUploadTask {
  return new BlobUploadTask(toSource(source), options);
}

export { UploadTask } from './upload-task.js';
export { BlobUploadTask } from './v1/blob-task.js';
export { V1Client, V1_BASE_PATH, type V1ClientOptions } from './v1/broker.js';
export { compose, planComposition, SEED_004_MIN_PART_SIZE, SEED_004_MAX_PART_COUNT, type ComposeRange, type ComposeOptions, type ComposeResult, type CompositionPlan } from './v1/compose.js';
export { wasmDigests, toHex, type DigestFactory, type IncrementalHash } from './v1/digests.js';
export type * from './v1/types.js';
export type * from './v1/wire.js';
export { UploadError, type ClientErrorCode } from './errors.js';
export { BrokerClient, DEFAULT_BASE_PATH, type BrokerClientOptions, type CreateRequest } from './broker-client.js';
export { inThreadHasher, streamMd5, md5OfBytes, toBase64, base64ToHex, type Hasher } from './hasher.js';
export { blobSource, toSource } from './source.js';
export { partPlan, type ClientPartPlan } from './part-plan.js';
export type * from './types.js';
export type { UploadStatus, WireSignature, CreateResponse } from './wire.js';
