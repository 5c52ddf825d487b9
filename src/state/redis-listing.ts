// Listing one owner's uploads from Redis by index (issue 9): the owner's sorted set of ids
// (scored by createdAt) pages the common query directly — ZREVRANGE of the page, one
// HGETALL per record on it, ZCARD for the total — so a page costs O(limit), not O(uploads
// of the owner). Filtered queries (search, tags, storage) read only the fields they filter
// on, in batches, and HGETALL only the page.
//
// Index entries outlive their records: Redis expires an unfinished record retention after
// its expiry (retention.ts) without touching the index. So that the total stays honest,
// a second sorted set per owner schedules when each entry should be looked at again (its
// record's forget instant as of create); each listing first takes the due entries, drops
// those whose record is gone, and schedules the others again (a complete record one
// retention later: an abort of it makes it forgettable). Records met on a page that are
// gone are dropped too, and the page read again. So `total` counts exactly the owner's
// records as of the request, filtered or not.
import type { Cluster, Redis } from 'ioredis';
import type { Clock } from '../domain/clock.js';
import type { ListQuery, ListResult } from '../domain/ports.js';
import type { UploadRecord, UploadState } from '../domain/upload.js';
import { isFiltered, matchesQuery } from './list-query.js';
import { decodeRecord } from './record-codec.js';
import type { RedisKeys } from './redis-keys.js';
import { forgetAt, isForgotten } from './retention.js';

/** Due index entries looked at per round of pruning. */
const PRUNE_BATCH = 200;
/** Ids whose filter fields one round of a filtered listing reads (one pipelined burst). */
const SCAN_BATCH = 500;
const FILTER_FIELDS = ['tenant', 'owner', 'fileName', 'tags', 'storageId', 'state', 'expiresAt'] as const;

export interface RedisListing {
  /** Index a new record for its owner's listing. */
  index(record: UploadRecord): Promise<void>;
  list(query: ListQuery): Promise<ListResult>;
}

export function createRedisListing(redis: Redis | Cluster, keys: RedisKeys, clock: Clock, retention: number): RedisListing {
  const ownerKeys = (query: Pick<ListQuery, 'tenant' | 'owner'>) => {
    const owner = keys.owner(query.tenant, query.owner);
    return { owner, forget: `${owner}:forget` };
  };
  const gone = (state: string | null, expiresAt: string | null, now: number) =>
    state === null || expiresAt === null || isForgotten({ state: state as UploadState, expiresAt: Number(expiresAt) }, now, retention);

  async function drop(owner: string, forget: string, ids: string[]): Promise<void> {
    if (ids.length > 0) await Promise.all([redis.zrem(owner, ...ids), redis.zrem(forget, ...ids)]);
  }

  // Every due entry, in batches: each is dropped or scheduled past now, so this ends, and a
  // backlog (the day a deployment's old uploads all come due) is paid once, not per request.
  async function prune(owner: string, forget: string, now: number): Promise<void> {
    for (;;) {
      const due = await redis.zrangebyscore(forget, '-inf', now, 'LIMIT', 0, PRUNE_BATCH);
      if (due.length === 0) return;
      const rows = await Promise.all(due.map((id) => redis.hmget(keys.record(id), 'state', 'expiresAt')));
      const dropped: string[] = [];
      const again: Array<number | string> = [];
      due.forEach((id, index) => {
        const [state = null, expiresAt = null] = rows[index] ?? [];
        if (gone(state, expiresAt, now)) dropped.push(id);
        // After now in any case: an entry due again at once would keep this loop going.
        else again.push(Math.max(forgetAt({ state: state as UploadState, expiresAt: Number(expiresAt) }, retention) ?? now + retention, now + 1), id);
      });
      await drop(owner, forget, dropped);
      if (again.length > 0) await redis.zadd(forget, ...again);
      if (due.length < PRUNE_BATCH) return;
    }
  }

  /** The page straight from the index; entries whose record is gone are dropped and the page read again. */
  async function indexPage(query: ListQuery, owner: string, forget: string, now: number): Promise<ListResult> {
    for (;;) {
      const ids = query.limit > 0 ? await redis.zrevrange(owner, query.offset, query.offset + query.limit - 1) : [];
      const hashes = await Promise.all(ids.map((id) => redis.hgetall(keys.record(id))));
      const items: UploadRecord[] = [];
      const missing: string[] = [];
      ids.forEach((id, index) => {
        const record = decodeRecord(hashes[index] ?? {});
        if (record && !isForgotten(record, now, retention) && matchesQuery(record, query)) items.push(record);
        else missing.push(id);
      });
      if (missing.length === 0) return { items, total: await redis.zcard(owner) };
      await drop(owner, forget, missing);
    }
  }

  /** Every entry's filter fields, in batches: the matches are counted, only the page's records read whole. */
  async function filteredPage(query: ListQuery, owner: string, forget: string, now: number): Promise<ListResult> {
    const pageIds: string[] = [];
    const missing: string[] = [];
    let total = 0;
    for (let start = 0; ; start += SCAN_BATCH) {
      const ids = await redis.zrevrange(owner, start, start + SCAN_BATCH - 1);
      const rows = await Promise.all(ids.map((id) => redis.hmget(keys.record(id), ...FILTER_FIELDS)));
      ids.forEach((id, index) => {
        const [tenant, ownerName, fileName, tags, storageId, state, expiresAt] = rows[index] ?? [];
        if (gone(state ?? null, expiresAt ?? null, now)) return void missing.push(id);
        const facts = { tenant: tenant ?? '', owner: ownerName ?? '', fileName: fileName ?? '', tags: parseTags(tags ?? null), storageId: storageId ?? '' };
        if (!matchesQuery(facts, query)) return;
        if (total >= query.offset && pageIds.length < query.limit) pageIds.push(id);
        total += 1;
      });
      if (ids.length < SCAN_BATCH) break;
    }
    await drop(owner, forget, missing);
    const hashes = await Promise.all(pageIds.map((id) => redis.hgetall(keys.record(id))));
    const items = hashes.flatMap((hash) => {
      const record = decodeRecord(hash);
      return record && !isForgotten(record, now, retention) ? [record] : [];
    });
    return { items, total };
  }

  return {
    index: async (record) => {
      const { owner, forget } = ownerKeys(record);
      await Promise.all([
        redis.zadd(owner, record.createdAt, record.id),
        redis.zadd(forget, forgetAt(record, retention) ?? record.createdAt + retention, record.id),
      ]);
    },
    list: async (query) => {
      const { owner, forget } = ownerKeys(query);
      const now = clock.now();
      await prune(owner, forget, now);
      return isFiltered(query) ? filteredPage(query, owner, forget, now) : indexPage(query, owner, forget, now);
    },
  };
}

function parseTags(raw: string | null): string[] {
  try {
    const value: unknown = raw === null ? [] : JSON.parse(raw);
    return Array.isArray(value) ? value.filter((tag): tag is string => typeof tag === 'string') : [];
  } catch {
    return [];
  }
}
