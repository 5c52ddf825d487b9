// signpost/client: upload files straight to S3 or Azure Blob through a
// Signpost broker. Browser- and Node-safe: nothing reachable from here imports node:*.
import { toSource } from './source.js';
import type { UploadOptions, UploadSource } from './types.js';
import { UploadTask } from './upload-task.js';

/** Starts uploading at once; listen to events on the task and await `task.done`. */
export function upload(source: UploadSource | Blob, options: UploadOptions): UploadTask {
  return new UploadTask(toSource(source), options);
}

export { UploadTask } from './upload-task.js';
export { UploadError, type ClientErrorCode } from './errors.js';
export { BrokerClient, DEFAULT_BASE_PATH, type BrokerClientOptions, type CreateRequest } from './broker-client.js';
export { inThreadHasher, streamMd5, md5OfBytes, toBase64, base64ToHex, type Hasher } from './hasher.js';
export { blobSource, toSource } from './source.js';
export { partPlan, type ClientPartPlan } from './part-plan.js';
export type * from './types.js';
export type { UploadStatus, WireSignature, CreateResponse } from './wire.js';
