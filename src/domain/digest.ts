// SHA-256 digests: parsing what clients send, and reading an object back from
// its store to hash it where the store did not check it (bounded: at most
// limits.readBackConcurrency objects at once per broker; each streams, never
// buffered whole; the bytes hashed so far are written to the record).
import { createHash } from 'node:crypto';
import pLimit, { type LimitFunction } from 'p-limit';
import type { DomainContext } from './context.js';
import { errors } from './errors.js';
import type { UploadRecord } from './upload.js';

const HEX_SHA256 = /^[0-9a-f]{64}$/i;
const BASE64_SHA256 = /^[A-Za-z0-9+/]{43}=$/;

/** Lower-case hex of a SHA-256 given as hex, base64, `sha256:<hex>` or `sha-256:<hex>`; undefined when it is none. */
export function parseSha256(value: string): string | undefined {
  const bare = value.replace(/^sha-?256:/i, '');
  if (HEX_SHA256.test(bare)) return bare.toLowerCase();
  if (BASE64_SHA256.test(bare)) {
    const bytes = Buffer.from(bare, 'base64');
    if (bytes.length === 32 && bytes.toString('base64') === bare) return bytes.toString('hex');
  }
  return undefined;
}

/** Base64 of a hex SHA-256 (the spelling x-amz-checksum-sha256 takes). */
export function sha256Base64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

const PROGRESS_EVERY = 16 * 1024 * 1024;
// One limiter per broker (per domain context): read-backs are the broker's only byte-heavy work.
const limiters = new WeakMap<DomainContext, LimitFunction>();

function limiterOf(ctx: DomainContext): LimitFunction {
  let limit = limiters.get(ctx);
  if (!limit) {
    limit = pLimit(ctx.limits.readBackConcurrency);
    limiters.set(ctx, limit);
  }
  return limit;
}

/** Streams the object from its store and hashes it; records progress in the record as it goes. */
export function readBack(ctx: DomainContext, record: UploadRecord): Promise<{ sha256: string; md5: string; size: number }> {
  return limiterOf(ctx)(async () => {
    const storage = ctx.storages.byId(record.storageId);
    const sha256 = createHash('sha256');
    const md5 = createHash('md5');
    let size = 0;
    let reported = 0;
    try {
      for await (const chunk of await storage.store.readObject({ key: record.objectKey })) {
        sha256.update(chunk);
        md5.update(chunk);
        size += chunk.length;
        if (size - reported >= PROGRESS_EVERY) {
          reported = size;
          await ctx.repo.update(record.id, { readBackBytes: size });
        }
      }
    } catch (error) {
      if (error instanceof Error && 'code' in error) throw error;
      throw errors.storeFailed('reading the object back from the store failed', error);
    }
    await ctx.repo.update(record.id, { readBackBytes: size });
    return { sha256: sha256.digest('hex'), md5: md5.digest('base64'), size };
  });
}
