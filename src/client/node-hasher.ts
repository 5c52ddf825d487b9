// MD5 with node:crypto (OpenSSL): about three times hash-wasm's rate in Node. A source that
// can read into a buffer (fileSource) is read into two buffers in turn, the next chunk read
// while this one is hashed; others go through forEachChunk. Memory stays at two chunks.
// Node-only: never import it from a module the browser bundle reaches.
import { createHash, type Hash } from 'node:crypto';
import { forEachChunk, type Hasher } from './hasher.js';
import type { UploadSource } from './types.js';

/** Small enough to stay in cache between the read and the hash, large enough to read few times. */
const CHUNK = 2 * 1024 * 1024;

export const nodeHasher: Hasher = {
  async md5(source, start, end, onProgress, signal) {
    const hash = createHash('md5');
    if (source.readInto) await hashReadingInto(source as Required<Pick<UploadSource, 'readInto'>>, hash, start, end, onProgress, signal);
    else await forEachChunk(source, start, end, (bytes) => (hash.update(bytes), onProgress?.(bytes.length)), signal);
    return hash.digest('base64');
  },
};

async function hashReadingInto(source: Required<Pick<UploadSource, 'readInto'>>, hash: Hash, start: number, end: number, onProgress?: (bytes: number) => void, signal?: AbortSignal): Promise<void> {
  const buffers: [Buffer, Buffer] = [Buffer.allocUnsafe(Math.min(CHUNK, end - start)), Buffer.allocUnsafe(Math.min(CHUNK, end - start))];
  const buffer = (turn: number): Buffer => (turn === 0 ? buffers[0] : buffers[1]);
  const read = (at: number, into: Buffer) => {
    const pending = source.readInto(at, into.subarray(0, Math.min(into.length, end - at)));
    pending.catch(() => undefined); // a read-ahead abandoned by an abort must not surface as unhandled
    return pending;
  };
  let turn = 0;
  let next = start < end ? read(start, buffers[0]) : undefined;
  for (let offset = start; offset < end && next; ) {
    const filled = await next;
    signal?.throwIfAborted();
    const current = buffer(turn);
    const expected = Math.min(current.length, end - offset);
    if (filled !== expected) throw new Error(`source returned ${filled} bytes for a ${expected}-byte range: the file changed`);
    offset += filled;
    turn ^= 1;
    // The other buffer was hashed (synchronously) before this turn: safe to fill again.
    next = offset < end ? read(offset, buffer(turn)) : undefined;
    hash.update(current.subarray(0, filled));
    onProgress?.(filled);
  }
}
