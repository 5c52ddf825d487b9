// PlaceOS's names for things the domain names otherwise.
import { errors } from '../../domain/errors.js';
import { parseMd5 } from '../../domain/md5.js';
import type { StoreType } from '../../domain/upload.js';

/** PlaceOS `residence`: which cloud the signature is for. */
export type Residence = 'AmazonS3' | 'AzureStorage';

export const RESIDENCE_BY_TYPE: Record<StoreType, Residence> = { s3: 'AmazonS3', azure: 'AzureStorage' };

/** A wire MD5 (base64, base64url or hex) as the domain's canonical base64; a 400 naming the wire field otherwise. */
export function wireMd5(value: string, field: string): string {
  const md5 = parseMd5(value);
  if (md5 === undefined) throw errors.badRequest(`${field} must be the base64 (or hex) MD5 of the bytes: 16 bytes, e.g. "1B2M2Y8AsgTpgAmY7PhCfg=="`);
  return md5;
}
