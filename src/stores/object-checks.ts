// How each store proves that the object it holds is the one the broker recorded
// (PROTOCOL.md "Finalize verifies"). Pure rules over what the store reported;
// the adapters fetch the evidence. PlaceOS trusts the client here.
import { md5Hex, multipartEtag } from '../domain/md5.js';
import type { ExpectedObject, UploadedPart } from '../domain/ports.js';

/** Why the size is wrong, or undefined. */
function sizeFailure(expected: ExpectedObject, size: number): string | undefined {
  if (size !== expected.size) return `the stored object has ${size} bytes, expected ${expected.size}`;
  return undefined;
}

/**
 * S3: a single PUT's ETag is the hex MD5 of its bytes; a multipart object's is
 * md5(concatenated binary part MD5s)-N, so the recorded parts predict it exactly.
 */
export function s3ObjectFailure(expected: ExpectedObject, head: { size: number; etag?: string }): string | undefined {
  const wrongSize = sizeFailure(expected, head.size);
  if (wrongSize) return wrongSize;
  const wholeFile = expected.fileMd5 === undefined ? undefined : md5Hex(expected.fileMd5);
  if (expected.kind === 'direct') {
    if (wholeFile !== undefined && head.etag !== wholeFile) return `the stored object's ETag ${head.etag ?? '(none)'} is not the MD5 of the file (${wholeFile})`;
    return undefined;
  }
  const predicted = multipartEtag(expected.parts.map((p) => p.md5));
  if (head.etag === predicted) return undefined;
  // Some S3-compatible stores (s3rver, the embedded demo store) report the whole
  // object's MD5 as a multipart ETag; that proves the bytes just as well.
  if (wholeFile !== undefined && head.etag === wholeFile) return undefined;
  return `the stored object's ETag ${head.etag ?? '(none)'} is not the one the recorded parts give (${predicted})`;
}

/**
 * Azure: Put Blob stores the Content-MD5 the service computed; a committed block
 * blob must consist of exactly the recorded blocks, in order, with their sizes.
 */
export function azureObjectFailure(expected: ExpectedObject, blob: { size: number; contentMd5?: string; committedParts: UploadedPart[] }): string | undefined {
  const wrongSize = sizeFailure(expected, blob.size);
  if (wrongSize) return wrongSize;
  if (expected.kind === 'direct') {
    if (expected.fileMd5 !== undefined && blob.contentMd5 !== undefined && blob.contentMd5 !== expected.fileMd5) {
      return `the stored object's Content-MD5 ${blob.contentMd5} is not the file's MD5 ${expected.fileMd5}`;
    }
    return undefined;
  }
  const committed = blob.committedParts;
  const wanted = expected.parts.map((p) => p.part).join(',');
  const actual = committed.map((p) => p.part).join(',');
  if (wanted !== actual) return `the committed block list [${actual}] is not the recorded parts [${wanted}]`;
  for (const [index, part] of expected.parts.entries()) {
    const size = committed[index]?.size;
    const recorded = expected.partSizes.get(part.part);
    if (recorded !== undefined && size !== recorded) return `committed block ${part.part} has ${size} bytes, expected ${recorded}`;
  }
  return undefined;
}
