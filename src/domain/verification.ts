// Finalize verifies the object in the store before saying complete
// (PROTOCOL.md "Finalize verifies"). PlaceOS trusts the client here.
import { md5Hex, multipartEtag } from './md5.js';
import type { ObjectStat } from '../stores/blob-store.js';
import type { PartRecord, StoreType, UploadRecord } from './upload.js';

/** Why the stored object does not match the record, or undefined when it does. */
export function verificationFailure(
  record: UploadRecord,
  storeType: StoreType,
  parts: PartRecord[],
  stat: ObjectStat | undefined,
): string | undefined {
  if (!stat) return 'the object is not in the store yet: send the upload (or the commit request) first';
  if (stat.size !== record.fileSize) return `the stored object has ${stat.size} bytes, expected file_size ${record.fileSize}`;
  if (record.kind === 'direct') return directFailure(record, stat);
  return storeType === 's3' ? s3MultipartFailure(record, parts, stat) : azureBlockFailure(parts, stat);
}

function directFailure(record: UploadRecord, stat: ObjectStat): string | undefined {
  // S3 single PUT: ETag is the hex MD5; Azure Put Blob: Content-MD5 computed by the service.
  if (stat.etag !== undefined && stat.etag !== md5Hex(record.fileMd5)) {
    return `the stored object's ETag ${stat.etag} is not the MD5 of the file (${md5Hex(record.fileMd5)})`;
  }
  if (stat.contentMd5 !== undefined && stat.contentMd5 !== record.fileMd5) {
    return `the stored object's Content-MD5 ${stat.contentMd5} is not file_id ${record.fileMd5}`;
  }
  return undefined;
}

function s3MultipartFailure(record: UploadRecord, parts: PartRecord[], stat: ObjectStat): string | undefined {
  const expected = multipartEtag(parts.map((p) => p.md5));
  if (stat.etag === expected) return undefined;
  // Some S3-compatible stores (s3rver, the embedded demo store) report the whole
  // object's MD5 as a multipart ETag; that proves the bytes just as well.
  if (stat.etag === md5Hex(record.fileMd5)) return undefined;
  return `the stored object's ETag ${stat.etag ?? '(none)'} is not the one the recorded parts give (${expected})`;
}

function azureBlockFailure(parts: PartRecord[], stat: ObjectStat): string | undefined {
  const committed = stat.committedParts ?? [];
  const expected = parts.map((p) => p.part).join(',');
  const actual = committed.map((p) => p.part).join(',');
  if (expected !== actual) return `the committed block list [${actual}] is not the recorded parts [${expected}]`;
  for (const [index, part] of parts.entries()) {
    const size = committed[index]?.size;
    if (part.size !== undefined && size !== part.size) return `committed block ${part.part} has ${size} bytes, expected ${part.size}`;
  }
  return undefined;
}
