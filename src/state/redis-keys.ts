// Redis key layout (PROTOCOL.md "State in Redis"). Everything about one upload sits under
// the hash tag `{<id>}`, so its keys share one Redis Cluster slot and one Lua script may
// touch them all. The indexes live in other slots and are written by separate commands.
// Beside the owner index, redis-listing.ts keeps `<owner>:forget` and `<owner>:facts`; the
// quota keys of one tenant share the tag `{q:<tenant digest>}` (redis-quotas.ts).
import { createHash } from 'node:crypto';
import type { ResumeKey } from '../domain/ports.js';

export interface RedisKeys {
  /** Hash of the record's fields (record-codec.ts). */
  record(id: string): string;
  /** Hash of part number → encoded part. */
  parts(id: string): string;
  /** String: id of the newest upload of this file by this owner. */
  resume(key: ResumeKey): string;
  /** Sorted set of the owner's upload ids, scored by createdAt. */
  owner(tenant: string, owner: string): string;
  /** Sorted set of upload ids, scored by when the sweeper should look at them. */
  sweep(): string;
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    record: (id) => `${prefix}:{${id}}`,
    parts: (id) => `${prefix}:{${id}}:parts`,
    resume: (key) => `${prefix}:resume:${digest([key.tenant, key.owner, key.fileName, key.fileSize, key.fileMd5])}`,
    owner: (tenant, owner) => `${prefix}:owner:${digest([tenant, owner])}`,
    sweep: () => `${prefix}:sweep`,
  };
}

// A JSON array joins the parts unambiguously (no separator a file name could contain);
// hashing keeps user-chosen names and ids out of key names and bounds their length.
function digest(parts: Array<string | number>): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}
