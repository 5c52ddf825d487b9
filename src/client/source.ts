// Adapting what callers hand to upload() into an UploadSource.
import { UploadError } from './errors.js';
import type { UploadSource } from './types.js';

function isBlob(value: unknown): value is Blob {
  return typeof Blob !== 'undefined' && value instanceof Blob;
}

/** A Blob/File reads ranges with blob.slice(a, b).arrayBuffer(): the browser never loads the whole file. */
export function blobSource(blob: Blob, name?: string): UploadSource {
  const fileName = name ?? ((blob as { name?: unknown }).name as string | undefined) ?? 'blob';
  return {
    name: fileName,
    size: blob.size,
    ...(blob.type ? { type: blob.type } : {}),
    blob,
    slice: async (start, end) => new Uint8Array(await blob.slice(start, end).arrayBuffer()),
  };
}

export function toSource(input: UploadSource | Blob): UploadSource {
  return isBlob(input) ? blobSource(input) : input;
}

/**
 * A view of `source` that answers reads inside [start, end) from bytes already
 * read for a part, so hashing a part and sending it costs one read, not two.
 */
export function withCachedRange(source: UploadSource, start: number, bytes: Uint8Array): UploadSource {
  const end = start + bytes.length;
  // Without readInto: a hasher must hash these bytes (the ones sent), not read the file again.
  const { readInto: _fileReads, ...rest } = source;
  return {
    ...rest,
    slice: (from, to) => (from >= start && to <= end ? Promise.resolve(bytes.subarray(from - start, to - start)) : source.slice(from, to)),
  };
}

/** Bytes [start, end), refusing a short read: a file that shrank since it was hashed must not upload. */
export async function readRange(source: UploadSource, start: number, end: number): Promise<Uint8Array> {
  const bytes = await source.slice(start, end);
  if (bytes.length !== end - start) {
    throw new UploadError({ code: 'source_changed', message: `${source.name}: read ${bytes.length} bytes where ${end - start} were expected; the file changed during the upload` });
  }
  return bytes;
}
