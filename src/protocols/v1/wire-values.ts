// API v1 wire values → the domain's canonical forms, with 400s naming the v1 field.
import { parseSha256 } from '../../domain/digest.js';
import { errors } from '../../domain/errors.js';
import { parseMd5 } from '../../domain/md5.js';

export function wireSha256(value: string, field: string): string {
  const sha256 = parseSha256(value);
  if (sha256 === undefined) throw errors.badRequest(`${field} must be a SHA-256: 64 hex digits (optionally sha256: or sha-256: before them) or 44 base64 characters`);
  return sha256;
}

export function wireMd5(value: string, field: string): string {
  const md5 = parseMd5(value);
  if (md5 === undefined) throw errors.badRequest(`${field} must be an MD5: base64 of 16 bytes (or 32 hex digits)`);
  return md5;
}

/** `Range: bytes=0-<last>` for the bytes the store holds, or undefined when it holds none. */
export function rangeHeader(storedBytes: number): string | undefined {
  return storedBytes > 0 ? `bytes=0-${storedBytes - 1}` : undefined;
}
