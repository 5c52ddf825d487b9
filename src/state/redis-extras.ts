// The Redis repository's blob index, object reference counts, upload sessions,
// sweep schedule and claims. Each is one key written by single commands (no
// cross-slot scripts), so it works the same on Redis Cluster.
import type { Cluster, Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import type { Clock } from '../domain/clock.js';
import type { BlobKey, UploadRepository, UploadSession } from '../domain/ports.js';
import { redisKeys } from './redis-keys.js';

type Extras = Pick<
  UploadRepository,
  'indexBlob' | 'findBlob' | 'unindexBlob' | 'retainObject' | 'releaseObject' | 'createSession' | 'getSession' | 'updateSession' | 'schedule' | 'unschedule' | 'dueForSweep' | 'claim'
>;

// Hashed like redis-keys.ts: no user-chosen text in key names, bounded length.
const digest = (parts: Array<string | number>) => createHash('sha256').update(JSON.stringify(parts)).digest('hex');

export function createRedisExtras(redis: Redis | Cluster, prefix: string, clock: Clock, retentionMs: number, guarded: <T>(operation: string, run: () => Promise<T>) => Promise<T>): Extras {
  const blobKey = (key: BlobKey) => `${prefix}:blob:${digest([key.storageId, key.tenant, key.sha256])}`;
  const objectKey = (storageId: string, key: string) => `${prefix}:obj:${digest([storageId, key])}`;
  const sessionKey = (id: string) => `${prefix}:session:{${id}}`;
  const sweepKey = redisKeys(prefix).sweep();
  const claimKey = (name: string) => `${prefix}:claim:${digest([name])}`;

  async function loadSession(id: string): Promise<UploadSession | undefined> {
    const raw = await redis.get(sessionKey(id));
    if (raw === null) return undefined;
    const session = JSON.parse(raw) as UploadSession;
    // Redis deletes it by its own clock; hide it at the same instant by ours (as records).
    return clock.now() > session.expiresAt + retentionMs ? undefined : session;
  }

  const saveSession = (session: UploadSession) => redis.set(sessionKey(session.id), JSON.stringify(session), 'PXAT', session.expiresAt + retentionMs);

  return {
    indexBlob: (key, id) => guarded('indexBlob', async () => void (await redis.zadd(blobKey(key), clock.now(), id))),
    findBlob: (key) => guarded('findBlob', () => redis.zrevrange(blobKey(key), 0, 99)),
    unindexBlob: (key, id) => guarded('unindexBlob', async () => void (await redis.zrem(blobKey(key), id))),
    retainObject: (storageId, key) => guarded('retainObject', () => redis.incr(objectKey(storageId, key))),
    releaseObject: (storageId, key) =>
      guarded('releaseObject', async () => {
        const left = await redis.decr(objectKey(storageId, key));
        if (left <= 0) await redis.del(objectKey(storageId, key));
        return left;
      }),
    createSession: (session) => guarded('createSession', async () => void (await saveSession(session))),
    getSession: (id) => guarded('getSession', () => loadSession(id)),
    updateSession: (id, changes) =>
      guarded('updateSession', async () => {
        const session = await loadSession(id);
        if (!session) return undefined;
        const updated = { ...session, ...changes };
        await saveSession(updated);
        return updated;
      }),
    schedule: (id, at) => guarded('schedule', async () => void (await redis.zadd(sweepKey, at, id))),
    unschedule: (id) => guarded('unschedule', async () => void (await redis.zrem(sweepKey, id))),
    dueForSweep: (now, limit) => guarded('dueForSweep', () => redis.zrangebyscore(sweepKey, '-inf', now, 'LIMIT', 0, limit)),
    claim: (name, holder, ttlMs) =>
      guarded('claim', async () => {
        // Taken when free; kept (and extended) by the same holder.
        if ((await redis.set(claimKey(name), holder, 'PX', ttlMs, 'NX')) === 'OK') return true;
        const current = await redis.get(claimKey(name));
        if (current !== holder) return false;
        await redis.pexpire(claimKey(name), ttlMs);
        return true;
      }),
  };
}
