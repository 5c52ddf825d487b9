// The cap on unfinished uploads and the tenant byte quota in Redis (domain/quota-port.ts).
// All of one tenant's quota keys share the hash tag `{q:<tenant digest>}`, so one script
// checks and counts atomically on Redis Cluster too:
//   …:unfinished:<owner digest>  sorted set: upload id → when it expires (ms since epoch)
//   …:bytes                      hash: upload id → bytes it holds
//   …:total                      the sum of that hash
// The unfinished set is scored by expiry so the script drops what expired lazily, with no
// sweeper having run (ZREMRANGEBYSCORE). Activity moves an upload's expiry on without
// touching this set (the sign path stays one round trip), so before a check the entries
// whose score has passed are compared with their records and the live ones re-scored.
import type { Cluster, Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import type { Clock } from '../domain/clock.js';
import type { QuotaLedger, QuotaOutcome } from '../domain/quota-port.js';
import { effectiveState } from '../domain/state-machine.js';
import type { UploadRecord } from '../domain/upload.js';
import { runScript, type LuaScript } from './redis-scripts.js';

const digest = (parts: string[]) => createHash('sha256').update(JSON.stringify(parts)).digest('hex');

function script(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * KEYS: unfinished set, bytes hash, total. ARGV: now, id, unfinishedUntil ('' = not
 * unfinished), bytes, max unfinished (-1 = none), tenant quota (-1 = none).
 * Returns {0} taken, {1, count, earliest expiry} over the cap, {2, used} over the quota.
 */
const takeScript = script(`
local unfinished, bytes, total = KEYS[1], KEYS[2], KEYS[3]
local now, id, untilAt, size = tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4])
local maxUnfinished, quota = tonumber(ARGV[5]), tonumber(ARGV[6])
-- Expired is now > expiresAt (state-machine.ts effectiveState): scores below now.
redis.call('ZREMRANGEBYSCORE', unfinished, '-inf', '(' .. ARGV[1])
if untilAt ~= '' and maxUnfinished >= 0 then
  local count = redis.call('ZCARD', unfinished)
  if count >= maxUnfinished then
    local first = redis.call('ZRANGE', unfinished, 0, 0, 'WITHSCORES')
    return {1, count, first[2] or ARGV[1]}
  end
end
local used = tonumber(redis.call('GET', total) or '0')
if quota >= 0 and ((size > 0 and used + size > quota) or (size == 0 and used >= quota)) then
  return {2, used}
end
if untilAt ~= '' then redis.call('ZADD', unfinished, untilAt, id) end
-- The byte count as given (ARGV), not as a Lua number: a double could print as 5e+12.
if size > 0 and redis.call('HSETNX', bytes, id, ARGV[4]) == 1 then redis.call('INCRBY', total, ARGV[4]) end
return {0}
`);

/** KEYS as takeScript. ARGV: id, bytes to count when none are (0 = none). */
const settleScript = script(`
redis.call('ZREM', KEYS[1], ARGV[1])
local size = tonumber(ARGV[2])
if size > 0 and redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 1 then redis.call('INCRBY', KEYS[3], ARGV[2]) end
return 1
`);

/** KEYS as takeScript. ARGV: id. */
const releaseScript = script(`
redis.call('ZREM', KEYS[1], ARGV[1])
local size = redis.call('HGET', KEYS[2], ARGV[1])
if size then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('DECRBY', KEYS[3], size)
end
return 1
`);

/** Stale entries compared with their records per check, at most (the rest are dropped as expired). */
const REFRESH_BATCH = 1_000;

export function createRedisQuotas(
  redis: Redis | Cluster,
  prefix: string,
  clock: Clock,
  load: (id: string) => Promise<UploadRecord | undefined>,
  guarded: <T>(operation: string, run: () => Promise<T>) => Promise<T>,
): QuotaLedger {
  const quotaKeys = (tenant: string, owner: string) => {
    const tag = `${prefix}:quota:{q:${digest([tenant])}}`;
    return [`${tag}:unfinished:${digest([tenant, owner])}`, `${tag}:bytes`, `${tag}:total`];
  };

  // Entries whose score has passed but whose record's expiry moved on are scored again;
  // what is really expired (or gone) the take script drops.
  async function refresh(unfinishedKey: string, now: number): Promise<void> {
    const stale = await redis.zrangebyscore(unfinishedKey, '-inf', `(${now}`, 'LIMIT', 0, REFRESH_BATCH);
    const records = await Promise.all(stale.map(load));
    const live = records.filter((r): r is UploadRecord => r !== undefined && (effectiveState(r, now) === 'pending' || effectiveState(r, now) === 'uploading'));
    if (live.length > 0) await redis.zadd(unfinishedKey, 'XX', ...live.flatMap((r) => [r.expiresAt, r.id]));
  }

  return {
    takeQuota: (claim, limits) =>
      guarded('takeQuota', async (): Promise<QuotaOutcome> => {
        const keys = quotaKeys(claim.tenant, claim.owner);
        const now = clock.now();
        if (limits.maxUnfinished !== undefined && claim.unfinishedUntil !== undefined) await refresh(keys[0] ?? '', now);
        const reply = (await runScript(redis, takeScript, keys, [
          now, claim.id, claim.unfinishedUntil ?? '', claim.bytes, limits.maxUnfinished ?? -1, limits.tenantBytes ?? -1,
        ])) as Array<number | string>;
        const [kind, first, second] = reply;
        if (kind === 1) return { taken: false, limit: 'unfinished', unfinished: Number(first), max: limits.maxUnfinished ?? 0, nextExpiry: Number(second) };
        if (kind === 2) return { taken: false, limit: 'tenant_bytes', used: Number(first), quota: limits.tenantBytes ?? 0 };
        return { taken: true };
      }),
    settleQuota: (claim) =>
      guarded('settleQuota', async () => void (await runScript(redis, settleScript, quotaKeys(claim.tenant, claim.owner), [claim.id, claim.bytes]))),
    releaseQuota: (claim) =>
      guarded('releaseQuota', async () => void (await runScript(redis, releaseScript, quotaKeys(claim.tenant, claim.owner), [claim.id]))),
    quotaUsage: (tenant, owner) =>
      guarded('quotaUsage', async () => {
        const [unfinishedKey = '', , totalKey = ''] = quotaKeys(tenant, owner);
        const now = clock.now();
        await refresh(unfinishedKey, now);
        const [unfinished, total] = await Promise.all([redis.zcount(unfinishedKey, now, '+inf'), redis.get(totalKey)]);
        return { unfinished, tenantBytes: Number(total ?? 0) };
      }),
  };
}
