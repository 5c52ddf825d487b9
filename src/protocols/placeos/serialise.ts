// Domain → PlaceOS wire shapes. Field names here are PlaceOS's; the domain's
// own names never leak onto the wire and wire names never reach the domain.
import type { SignedCommit, SignedRequest } from '../../domain/ports.js';
import type { ConfirmedPart, PartRecord, StoreType, UploadRecord, UploadState } from '../../domain/upload.js';
import { RESIDENCE_BY_TYPE } from './names.js';
import { md5Hex } from '../../domain/md5.js';

export function wireSignature(signature: SignedRequest) {
  return { verb: signature.verb, url: signature.url, headers: signature.headers };
}

/**
 * PlaceOS `part_data`: {"1": {"md5": "…", "part": 1}}. PlaceOS answers back what the
 * client reported, and the published client reads `md5` back as hex to re-sign a part
 * and to build the S3 commit: so `md5` is spelled as the client reported it (base64,
 * ours, when it never did), and `md5_hex` is always there.
 */
interface WirePart {
  md5: string;
  md5_hex: string;
  part: number;
  size?: number;
}

export function wirePartData(parts: Array<PartRecord & { md5Hex?: string }>) {
  // A resume answers 10,000 of these: one plain loop, no intermediate arrays or spreads.
  const data: Record<string, WirePart> = {};
  for (const p of parts) {
    const entry: WirePart = { md5: p.reported ?? p.md5, md5_hex: p.md5Hex ?? md5Hex(p.md5), part: p.part };
    if (p.size !== undefined) entry.size = p.size;
    data[p.part] = entry;
  }
  return data;
}

/** Extensions beyond PlaceOS that our client uses: the broker's part plan and the delegated token. */
function planFields(record: UploadRecord) {
  return { part_size: record.partSize, part_count: record.partCount, resumable_id: record.resumableId ?? null };
}

export function wireCreated(record: UploadRecord, storeType: StoreType, signature: SignedRequest) {
  return {
    type: record.kind === 'direct' ? 'direct_upload' : 'chunked_upload',
    signature: wireSignature(signature),
    upload_id: record.id,
    residence: RESIDENCE_BY_TYPE[storeType],
    upload_token: record.uploadToken,
    ...planFields(record),
  };
}

export function wireResumed(record: UploadRecord, storeType: StoreType, doneParts: ConfirmedPart[], signature: SignedRequest) {
  return {
    type: 'parts',
    signature: wireSignature(signature),
    part_list: doneParts.map((p) => p.part),
    part_data: wirePartData(doneParts),
    upload_id: record.id,
    residence: RESIDENCE_BY_TYPE[storeType],
    upload_token: record.uploadToken,
    ...planFields(record),
  };
}

export function wirePartSignature(record: UploadRecord, signature: SignedRequest) {
  return { type: 'part_upload', signature: wireSignature(signature), upload_id: record.id, body: null };
}

export function wireFinish(record: UploadRecord, signature: SignedCommit) {
  const { body, ...request } = signature;
  return { type: 'finish', signature: wireSignature(request), upload_id: record.id, body };
}

/** The record as PlaceOS's Upload model shows it, plus state and expiry. */
export function wireUpload(record: UploadRecord, state: UploadState = record.state) {
  return {
    id: record.id,
    uploaded_by: record.owner,
    authority_id: record.tenant,
    storage_id: record.storageId,
    file_name: record.fileName,
    file_size: record.fileSize ?? null,
    file_mime: record.mime,
    file_md5: record.fileMd5 ?? null,
    file_path: record.filePath ?? null,
    object_key: record.objectKey,
    public: record.public,
    permissions: record.permissions,
    tags: record.tags,
    cache_etag: record.cacheEtag ?? null,
    cache_modified: record.cacheModified ?? null,
    resumable: record.kind === 'chunked',
    upload_complete: state === 'complete',
    state,
    integrity: record.integrity,
    created_at: Math.floor(record.createdAt / 1000),
    updated_at: Math.floor(record.updatedAt / 1000),
    expires_at: state === 'complete' ? null : new Date(record.expiresAt).toISOString(),
    ...planFields(record),
  };
}
