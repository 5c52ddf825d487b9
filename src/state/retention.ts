// When the state store forgets an upload. Shared by memory.ts and redis.ts so both
// implementations agree (the contract suite checks they do).
import type { UploadRecord } from '../domain/upload.js';

/**
 * How long an unfinished record outlives its expiry. The sweeper needs the record (object
 * key, S3 UploadId) to abort the store's multipart upload after the upload has expired, and
 * status requests should answer 410 rather than 404 for a while.
 */
export const DEFAULT_RETENTION_AFTER_EXPIRY_MS = 7 * 24 * 60 * 60 * 1000;

/** The instant (ms since epoch) after which the record is gone; undefined for complete uploads, which are kept. */
export function forgetAt(record: Pick<UploadRecord, 'state' | 'expiresAt'>, retentionMs: number): number | undefined {
  return record.state === 'complete' ? undefined : record.expiresAt + retentionMs;
}

export function isForgotten(record: Pick<UploadRecord, 'state' | 'expiresAt'>, now: number, retentionMs: number): boolean {
  const at = forgetAt(record, retentionMs);
  return at !== undefined && now > at;
}
