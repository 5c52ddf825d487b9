// MD5 digests travel as base64 and sometimes as hex. The domain stores
// canonical base64 and compares canonical forms.
import { createHash } from 'node:crypto';
import { errors } from './errors.js';

const BASE64_MD5 = /^[A-Za-z0-9+/]{22}==$/;
const BASE64URL_MD5 = /^[A-Za-z0-9_-]{22}(==)?$/;
const HEX_MD5 = /^[0-9a-fA-F]{32}$/;
// Exactly what encoding 16 bytes in base64 gives: 22 characters, the last carrying 2 bits (its
// low 4 bits zero), and "==". Tested instead of decoding and encoding again to compare.
const CANONICAL_BASE64_MD5 = /^[A-Za-z0-9+/]{21}[AQgw]==$/;

/** Canonical base64 of a 16-byte digest given as base64, base64url or hex; undefined if it is none of them. */
export function parseMd5(value: string): string | undefined {
  if (BASE64_MD5.test(value)) return value;
  if (HEX_MD5.test(value)) return Buffer.from(value, 'hex').toString('base64');
  if (BASE64URL_MD5.test(value)) return Buffer.from(value.replace(/=+$/, ''), 'base64url').toString('base64');
  return undefined;
}

/** Whether `base64` is the canonical base64 of a 16-byte digest (what md5Hex takes). */
export function isCanonicalMd5(base64: string): boolean {
  return CANONICAL_BASE64_MD5.test(base64);
}

/** Hex of a canonical base64 MD5 (S3 ETags are hex); a 400 naming `what` when it is not one. */
export function md5Hex(base64: string, what = 'md5'): string {
  if (!CANONICAL_BASE64_MD5.test(base64)) throw errors.badRequest(`${what}: not a base64 MD5`);
  return Buffer.from(base64, 'base64').toString('hex');
}

/** S3's multipart ETag: md5 of the concatenated binary part digests, dash, part count. */
export function multipartEtag(partMd5s: string[]): string {
  const hash = createHash('md5');
  for (const md5 of partMd5s) hash.update(Buffer.from(md5, 'base64'));
  return `${hash.digest('hex')}-${partMd5s.length}`;
}
