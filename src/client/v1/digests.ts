// The digests API v1 needs: per part MD5 (base64, what S3's Content-MD5 and
// Azure's block MD5 bind) and SHA-256 (hex, S3's x-amz-checksum-sha256), and the
// whole file's SHA-256 for completion and dedupe. Pluggable: hash-wasm here
// (browser- and Node-safe); node-digests.ts uses node:crypto, faster in Node.
import { createMD5, createSHA256 } from 'hash-wasm';

export interface IncrementalHash {
  update(bytes: Uint8Array): void;
  digest(): Uint8Array;
}

export interface DigestFactory {
  md5(): Promise<IncrementalHash>;
  sha256(): Promise<IncrementalHash>;
}

async function wasm(create: typeof createMD5): Promise<IncrementalHash> {
  const hasher = await create();
  hasher.init();
  return { update: (bytes) => void hasher.update(bytes), digest: () => hasher.digest('binary') };
}

export const wasmDigests: DigestFactory = { md5: () => wasm(createMD5), sha256: () => wasm(createSHA256) };

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
