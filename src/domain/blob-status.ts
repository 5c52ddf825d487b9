// What the store holds of an upload, as a byte count from the start (seed 000's
// `Range: bytes=0-<last>`): the whole object once written, else the parts the
// store lists, contiguous from part 1.
import { assertCanManage, type Access } from './access.js';
import type { DomainContext } from './context.js';
import { effectiveState } from './state-machine.js';
import type { UploadRecord, UploadState } from './upload.js';

export interface BlobStatus {
  record: UploadRecord;
  state: UploadState;
  /** Bytes the store holds from the start; 0 when none. */
  storedBytes: number;
}

export async function blobStatus(ctx: DomainContext, access: Access, id: string): Promise<BlobStatus> {
  const record = await ctx.repo.get(id);
  assertCanManage(access, record, id);
  const state = effectiveState(record, ctx.clock.now());
  return { record, state, storedBytes: await storedBytes(ctx, record, state) };
}

async function storedBytes(ctx: DomainContext, record: UploadRecord, state: UploadState): Promise<number> {
  if (state === 'complete') return record.fileSize ?? 0;
  if (state !== 'pending' && state !== 'uploading') return 0;
  const { store } = ctx.storages.byId(record.storageId);
  const object = await store.statObject({ key: record.objectKey });
  if (object) return object.size;
  if (record.kind === 'direct') return 0;
  const listed = await store.listUploadedParts({ key: record.objectKey, ...(record.resumableId === undefined ? {} : { resumableId: record.resumableId }) });
  let bytes = 0;
  for (const [index, part] of listed.entries()) {
    if (part.part !== index + 1) break;
    bytes += part.size;
  }
  return bytes;
}
