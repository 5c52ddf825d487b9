// node:crypto digests: OpenSSL's SHA-256 (SHA-NI where the CPU has it) is
// several times faster than hash-wasm's in Node. Node-only: never import it from
// a module the browser bundle reaches.
import { createHash } from 'node:crypto';
import type { DigestFactory, IncrementalHash } from './digests.js';

function native(algorithm: 'md5' | 'sha256'): Promise<IncrementalHash> {
  const hash = createHash(algorithm);
  return Promise.resolve({ update: (bytes) => void hash.update(bytes), digest: () => new Uint8Array(hash.digest()) });
}

export const nodeDigests: DigestFactory = { md5: () => native('md5'), sha256: () => native('sha256') };
