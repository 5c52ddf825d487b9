// Listing one owner's uploads from Redis by index (issue 9): the owner's sorted set of ids
// (scored by createdAt) pages the common query directly — ZREVRANGE of the page, one
// HGETALL per record on it, ZCARD for the total — so a page costs O(limit), not O(uploads
// of the owner). Filtered queries (search, tags, storage) read what they filter on — name,
// storage, tags, which never change after create — from a per-owner hash of those facts, one
// HMGET per batch of 500 ids, and HGETALL only the page.
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
/** Ids a round of a filtered listing looks at: one ZREVRANGE and one HMGET of their facts. */
const SCAN_BATCH = 500;

export interface RedisListing {
  /** Index a new record for its owner's listing. */
  index(record: UploadRecord): Promise<void>;
  list(query: ListQuery): Promise<ListResult>;
}

export function createRedisListing(redis: Redis | Cluster, keys: RedisKeys, clock: Clock, retention: number): RedisListing {
  const ownerKeys = (query: Pick<ListQuery, 'tenant' | 'owner'>) => {
    const owner = keys.owner(query.tenant, query.owner);
    return { owner, forget: `${owner}:forget`, facts: `${owner}:facts` };
  };
  const gone = (state: string | null, expiresAt: string | null, now: number) =>
    state === null || expiresAt === null || isForgotten({ state: state as UploadState, expiresAt: Number(expiresAt) }, now, retention);

  async function drop({ owner, forget, facts }: OwnerKeys, ids: string[]): Promise<void> {
    if (ids.length > 0) await Promise.all([redis.zrem(owner, ...ids), redis.zrem(forget, ...ids), redis.hdel(facts, ...ids)]);
  }

  // Every due entry, in batches: each is dropped or scheduled past now, so this ends, and a
  // backlog (the day a deployment's old uploads all come due) is paid once, not per request.
  async function prune(index: OwnerKeys, now: number): Promise<void> {
    const { forget } = index;
    for (;;) {
      const due = await redis.zrangebyscore(forget, '-inf', now, 'LIMIT', 0, PRUNE_BATCH);
      if (due.length === 0) return;
      const rows = await Promise.all(due.map((id) => redis.hmget(keys.record(id), 'state', 'expiresAt')));
      const dropped: string[] = [];
      const again: Array<number | string> = [];
      due.forEach((id, n) => {
        const [state = null, expiresAt = null] = rows[n] ?? [];
        if (gone(state, expiresAt, now)) dropped.push(id);
        // After now in any case: an entry due again at once would keep this loop going.
        else again.push(Math.max(forgetAt({ state: state as UploadState, expiresAt: Number(expiresAt) }, retention) ?? now + retention, now + 1), id);
      });
      await drop(index, dropped);
      if (again.length > 0) await redis.zadd(forget, ...again);
      if (due.length < PRUNE_BATCH) return;
    }
  }

  /** The page straight from the index; entries whose record is gone are dropped and the page read again. */
  async function indexPage(query: ListQuery, index: OwnerKeys, now: number): Promise<ListResult> {
    const { owner } = index;
    for (;;) {
      // The total beside the page, not after it: one round trip fewer.
      const [ids, total] = await Promise.all([query.limit > 0 ? redis.zrevrange(owner, query.offset, query.offset + query.limit - 1) : [], redis.zcard(owner)]);
      const hashes = await Promise.all(ids.map((id) => redis.hgetall(keys.record(id))));
      const items: UploadRecord[] = [];
      const missing: string[] = [];
      ids.forEach((id, n) => {
        const record = decodeRecord(hashes[n] ?? {});
        if (record && !isForgotten(record, now, retention) && matchesQuery(record, query)) items.push(record);
        else missing.push(id);
      });
      if (missing.length === 0) return { items, total };
      await drop(index, missing);
    }
  }

  /**
   * The filter facts of a batch of ids: one HMGET of the owner's facts hash. Ids indexed
   * before it existed are read from their records once and their facts written; null for
   * an id whose record is gone.
   */
  async function factsOf(index: OwnerKeys, ids: string[], now: number): Promise<Array<Facts | null>> {
    const raw = ids.length > 0 ? await redis.hmget(index.facts, ...ids) : [];
    const unknown = ids.filter((_, n) => raw[n] == null);
    const read = new Map<string, Facts>();
    if (unknown.length > 0) {
      const rows = await Promise.all(unknown.map((id) => redis.hmget(keys.record(id), 'fileName', 'storageId', 'tags', 'state', 'expiresAt')));
      const backfill: string[] = [];
      unknown.forEach((id, n) => {
        const [fileName = null, storageId = null, tags = null, state = null, expiresAt = null] = rows[n] ?? [];
        if (gone(state, expiresAt, now)) return;
        const facts: Facts = [fileName ?? '', storageId ?? '', parseTags(tags)];
        read.set(id, facts);
        backfill.push(id, JSON.stringify(facts));
      });
      if (backfill.length > 0) await redis.hset(index.facts, ...backfill);
    }
    return ids.map((id, n) => {
      const stored = raw[n];
      return stored == null ? (read.get(id) ?? null) : parseFacts(stored);
    });
  }

  /**
   * The matches counted over every entry, in batches of SCAN_BATCH (two commands each); only
   * the page's records are read whole. One of those gone since: dropped, and counted again.
   */
  async function filteredPage(query: ListQuery, index: OwnerKeys, now: number): Promise<ListResult> {
    for (;;) {
      const pageIds: string[] = [];
      const missing: string[] = [];
      let total = 0;
      for (let start = 0; ; start += SCAN_BATCH) {
        const ids = await redis.zrevrange(index.owner, start, start + SCAN_BATCH - 1);
        const facts = await factsOf(index, ids, now);
        ids.forEach((id, n) => {
          const fact = facts[n];
          if (!fact) return void missing.push(id);
          const [fileName, storageId, tags] = fact;
          if (!matchesQuery({ tenant: query.tenant, owner: query.owner, fileName, storageId, tags }, query)) return;
          if (total >= query.offset && pageIds.length < query.limit) pageIds.push(id);
          total += 1;
        });
        if (ids.length < SCAN_BATCH) break;
      }
      const hashes = await Promise.all(pageIds.map((id) => redis.hgetall(keys.record(id))));
      const items: UploadRecord[] = [];
      pageIds.forEach((id, n) => {
        const record = decodeRecord(hashes[n] ?? {});
        if (record && !isForgotten(record, now, retention)) items.push(record);
        else missing.push(id);
      });
      await drop(index, missing);
      if (items.length === pageIds.length) return { items, total };
    }
  }

  return {
    index: async (record) => {
      const { owner, forget, facts } = ownerKeys(record);
      const fact: Facts = [record.fileName, record.storageId, record.tags];
      await Promise.all([
        redis.zadd(owner, record.createdAt, record.id),
        redis.zadd(forget, forgetAt(record, retention) ?? record.createdAt + retention, record.id),
        redis.hset(facts, record.id, JSON.stringify(fact)),
      ]);
    },
    list: async (query) => {
      const index = ownerKeys(query);
      const now = clock.now();
      await prune(index, now);
      return isFiltered(query) ? filteredPage(query, index, now) : indexPage(query, index, now);
    },
  };
}

/** What a filtered query looks at, kept per owner: name, storage and tags never change after create. */
type Facts = [fileName: string, storageId: string, tags: string[]];

interface OwnerKeys {
  /** Sorted set of the owner's upload ids by createdAt. */
  owner: string;
  /** Sorted set: when to look at each entry again (see above). */
  forget: string;
  /** Hash: upload id → JSON Facts. */
  facts: string;
}

function parseFacts(raw: string): Facts | null {
  try {
    const value: unknown = JSON.parse(raw);
    if (!Array.isArray(value) || typeof value[0] !== 'string' || typeof value[1] !== 'string') return null;
    return [value[0], value[1], Array.isArray(value[2]) ? value[2].filter((tag): tag is string => typeof tag === 'string') : []];
  } catch {
    return null;
  }
}

function parseTags(raw: string | null): string[] {
  try {
    const value: unknown = raw === null ? [] : JSON.parse(raw);
    return Array.isArray(value) ? value.filter((tag): tag is string => typeof tag === 'string') : [];
  } catch {
    return [];
  }
}
