// MD5 with node:crypto (OpenSSL): about three times hash-wasm's rate in Node, and
// the same streaming reads (forEachChunk), so memory stays at two chunks.
// Node-only: never import it from a module the browser bundle reaches.
import { createHash } from 'node:crypto';
import { forEachChunk, type Hasher } from './hasher.js';

export const nodeHasher: Hasher = {
  async md5(source, start, end, onProgress, signal) {
    const hash = createHash('md5');
    await forEachChunk(source, start, end, (bytes) => (hash.update(bytes), onProgress?.(bytes.length)), signal);
    return hash.digest('base64');
  },
};
