// When the state store forgets an upload. Shared by memory.ts and redis.ts so both
// implementations agree (the contract suite checks they do).
import type { UploadRecord } from '../domain/upload.js';

/**
 * How long an unfinished record outlives its expiry: status requests answer "expired"
 * rather than 404 for a while, and the record (object key, S3 UploadId) is still there for
 * the expiry sweeper the roadmap plans, which will abort the store's multipart upload.
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
