// Part checksums in seed 004's form, `<algorithm>:<digest>` (digest in hex or
// base64). Which algorithms a storage takes, and whether its store checks
// them, is the store's capability (capabilities.checksums).
import { errors } from './errors.js';

export type ChecksumAlgorithm = 'md5' | 'sha1' | 'sha256' | 'crc32c' | 'crc64';

/** Digest length in bytes of each algorithm. */
const LENGTH: Record<ChecksumAlgorithm, number> = { md5: 16, sha1: 20, sha256: 32, crc32c: 4, crc64: 8 };

/** How a store treats a checksum it was given: it refuses other bytes ('enforced'), only when the client sends the header ('if-sent'), or not at all ('unchecked'). */
export type ChecksumCheck = 'enforced' | 'if-sent' | 'unchecked';

export interface Checksum {
  algorithm: ChecksumAlgorithm;
  /** The digest in base64 (how every store's header takes it). */
  base64: string;
}

/** `<algorithm>:<digest>` → a checksum; 400 naming `field` for an unknown algorithm or a digest of the wrong length. */
export function parseChecksum(text: string, field: string): Checksum {
  const match = /^([A-Za-z0-9-]+):(.+)$/.exec(text);
  if (!match) throw errors.badRequest(`${field} must be <algorithm>:<digest>, e.g. "sha256:<64 hex digits>"`);
  const name = (match[1] ?? '').toLowerCase().replace(/-/g, '');
  const digest = match[2] ?? '';
  if (!(name in LENGTH)) throw errors.badRequest(`${field}: unknown algorithm ${JSON.stringify(match[1])}; use one of ${Object.keys(LENGTH).join(', ')}`);
  const algorithm = name as ChecksumAlgorithm;
  const length = LENGTH[algorithm];
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]+$/.test(digest) && digest.length === length * 2) bytes = Buffer.from(digest, 'hex');
  else if (/^[A-Za-z0-9+/]+={0,2}$/.test(digest)) {
    const decoded = Buffer.from(digest, 'base64');
    if (decoded.toString('base64') === digest) bytes = decoded;
  }
  if (bytes === undefined || bytes.length !== length) throw errors.badRequest(`${field}: a ${algorithm} digest is ${length} bytes (${length * 2} hex digits or base64)`);
  return { algorithm, base64: bytes.toString('base64') };
}
