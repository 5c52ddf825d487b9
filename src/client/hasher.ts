// MD5 of byte ranges with hash-wasm (WASM, ~5× faster than pure-JS MD5 and
// streaming, so a file is never whole in memory). Browser- and Node-safe.
import { createMD5 } from 'hash-wasm';
import type { UploadSource } from './types.js';

export interface Hasher {
  /** Base64 MD5 of source bytes [start, end). */
  md5(source: UploadSource, start: number, end: number, onProgress?: (bytes: number) => void, signal?: AbortSignal): Promise<string>;
}

/** Read size per step: bounds memory to two chunks (one hashing, one being read ahead). */
export const HASH_CHUNK = 8 * 1024 * 1024;

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Hex form of a base64 MD5 (S3 ETags and some PlaceOS clients use hex). */
export function base64ToHex(b64: string): string {
  return Array.from(atob(b64), (c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
}

/** Base64 MD5 of bytes already in memory. */
export async function md5OfBytes(bytes: Uint8Array): Promise<string> {
  const hasher = await createMD5();
  hasher.init();
  hasher.update(bytes);
  return toBase64(hasher.digest('binary'));
}

/**
 * Calls `consume` with [start, end) in chunks of ≤ HASH_CHUNK, reading the next
 * chunk while the current one is consumed so disk (or Blob) reads overlap with hashing.
 */
export async function forEachChunk(source: UploadSource, start: number, end: number, consume: (bytes: Uint8Array) => void, signal?: AbortSignal): Promise<void> {
  const read = (from: number) => {
    const pending = source.slice(from, Math.min(end, from + HASH_CHUNK));
    pending.catch(() => undefined); // a read-ahead abandoned by an abort must not surface as unhandled
    return pending;
  };
  let next = start < end ? read(start) : undefined;
  for (let offset = start; offset < end && next; ) {
    const bytes = await next;
    signal?.throwIfAborted();
    const expected = Math.min(end, offset + HASH_CHUNK) - offset;
    if (bytes.length !== expected) throw new Error(`source returned ${bytes.length} bytes for a ${expected}-byte range: the file changed`);
    offset += bytes.length;
    next = offset < end ? read(offset) : undefined;
    consume(bytes);
  }
}

export async function streamMd5(source: UploadSource, start: number, end: number, onProgress?: (bytes: number) => void, signal?: AbortSignal): Promise<string> {
  const hasher = await createMD5();
  hasher.init();
  await forEachChunk(source, start, end, (bytes) => (hasher.update(bytes), onProgress?.(bytes.length)), signal);
  return toBase64(hasher.digest('binary'));
}

/** The default Hasher: hash-wasm in the calling thread. */
export const inThreadHasher: Hasher = { md5: streamMd5 };
