// Upload records in Redis, standalone or Cluster (PROTOCOL.md "State in Redis"). Key layout
// in redis-keys.ts, field encoding in record-codec.ts, the atomic steps in redis-scripts.ts.
// Every change to one upload is one Lua script over that upload's own keys; the resume and
// owner indexes live in other slots and are written after the record by separate commands.
import { Cluster, Redis } from 'ioredis';
import type { Clock } from '../domain/clock.js';
import { errors, SignpostError } from '../domain/errors.js';
import { resumeKeyOf, type PartRecord, type UploadRecord } from '../domain/upload.js';
import type { DoneReport, MarkDoneResult, UploadRepository } from '../domain/ports.js';
import { decodePartsHash, encodePartSlot, packDoneReports, PARTS_PER_BUCKET } from './part-codec.js';
import { decodeRecord, encodeRecordFields } from './record-codec.js';
import { createRedisExtras } from './redis-extras.js';
import { createRedisListing } from './redis-listing.js';
import { createRedisQuotas } from './redis-quotas.js';
import { redisKeys } from './redis-keys.js';
import { markPartsDoneScript, recordPartScript, signPartScript } from './redis-part-scripts.js';
import { createScript, extendResumeScript, runScript, transitionScript, updateScript } from './redis-scripts.js';
import { DEFAULT_RETENTION_AFTER_EXPIRY_MS, isForgotten } from './retention.js';

export interface RedisRepositoryOptions {
  /** The repository owns this client: close() quits it. */
  redis: Redis | Cluster;
  clock: Clock;
  /** Prefix of every key; default 'upl'. Must not contain '{' or '}' (they would move the hash tag). */
  keyPrefix?: string;
  retentionAfterExpiryMs?: number;
}

/**
 * Done reports per script: a finish may report 10,000 parts, and one script marking them all
 * held Redis (every other upload's request) for 20-40 ms. 4 buckets of parts a batch run in
 * about 0.3 ms on this machine (parts-10k.ts measures it); 40 such scripts, sent together,
 * mark 10,000.
 */
const DONE_BATCH = 4 * PARTS_PER_BUCKET;
/** Parts recorded per script (v1 signs up to 1,000 at once), for the same reason. */
const SIGN_BATCH = 4 * PARTS_PER_BUCKET;
/** A signature moves the resume entry's expiry this far ahead of need, so most don't move it. */
const RESUME_SLACK_MS = 3_600_000;

export function createRedisRepository(options: RedisRepositoryOptions): UploadRepository {
  const { redis, clock } = options;
  const retention = options.retentionAfterExpiryMs ?? DEFAULT_RETENTION_AFTER_EXPIRY_MS;
  const keys = redisKeys(options.keyPrefix ?? 'upl');
  const uploadKeys = (id: string) => [keys.record(id), keys.parts(id)];
  // The prelude arguments of every upload script (redis-scripts.ts).
  const context = () => [clock.now(), retention];
  const listing = createRedisListing(redis, keys, clock, retention);

  async function load(id: string): Promise<UploadRecord | undefined> {
    return visible(decodeRecord(await redis.hgetall(keys.record(id))));
  }

  // Redis deletes a record at its PEXPIREAT by Redis's clock; this hides it at the same
  // instant by ours, so an injected clock (tests) and a skewed one agree with memory.ts.
  function visible(record: UploadRecord | undefined): UploadRecord | undefined {
    return record && !isForgotten(record, clock.now(), retention) ? record : undefined;
  }

  // Bounded batches, sent together: each script is atomic and short, and other clients'
  // commands run between them. Results in the order of the reports.
  async function markDone(id: string, reports: DoneReport[]): Promise<MarkDoneResult> {
    const batches: DoneReport[][] = [];
    for (let start = 0; start < reports.length; start += DONE_BATCH) batches.push(reports.slice(start, start + DONE_BATCH));
    const replies = await Promise.all(
      batches.map((batch) => {
        return runScript(redis, markPartsDoneScript, uploadKeys(id), [...context(), ...packedReports(batch)]);
      }),
    );
    if (replies.length === 0 && (await load(id)) === undefined) throw errors.uploadNotFound(id);
    const result: MarkDoneResult = { conflicts: [], unknown: [] };
    for (const reply of replies) {
      if (reply === null) throw errors.uploadNotFound(id);
      const [conflicts, unknown] = reply as [number[], number[]];
      result.conflicts.push(...conflicts);
      result.unknown.push(...unknown);
    }
    return result;
  }

  // Done reports as the scripts take them: the pack, then the triples it marks (redis-part-scripts.ts eachReport).
  function packedReports(reports: DoneReport[]): Array<number | Buffer | string> {
    const { packed, triples } = packDoneReports(reports);
    return [packed, ...triples];
  }

  // Parts as the scripts take them (redis-part-scripts.ts PARTS_LIST).
  function encodeParts(parts: PartRecord[]): Array<string | number | Buffer> {
    const args: Array<string | number | Buffer> = [parts.length];
    for (const part of parts) {
      const { slot, fields } = encodePartSlot(part);
      args.push(part.part, slot, fields.length, ...fields.flat());
    }
    return args;
  }

  return {
    ...createRedisExtras(redis, options.keyPrefix ?? 'upl', clock, retention, guarded),
    ...createRedisQuotas(redis, options.keyPrefix ?? 'upl', clock, load, guarded),

    create: (record) =>
      guarded('create', async () => {
        const fields = Object.entries(encodeRecordFields(record)).flat();
        await runScript(redis, createScript, uploadKeys(record.id), [...context(), ...fields]);
        // Indexes second: if this fails the upload exists but is not found for resume or
        // listing, which is safe; an index entry is never the only trace of an upload.
        // Newest wins: a later upload of the same file takes the resume entry over.
        const resumeKey = resumeKeyOf(record);
        await Promise.all([
          resumeKey && redis.set(keys.resume(resumeKey), record.id, 'PXAT', record.expiresAt + retention),
          redis.zadd(keys.sweep(), record.expiresAt, record.id),
          listing.index(record),
        ]);
      }),

    get: (id) => guarded('get', () => load(id)),

    update: (id, changes) =>
      guarded('update', async () => {
        const fields = Object.entries(encodeRecordFields(changes)).flat();
        // What the resume entry's expiry is set to below, for signatures to extend from (redis-part-scripts.ts).
        if (changes.expiresAt !== undefined) fields.push('resumeUntil', String(changes.expiresAt + retention));
        const reply = await runScript(redis, updateScript, uploadKeys(id), [...context(), ...fields]);
        const record = visible(decodeRecord(hashFromPairs(reply)));
        const resumeKey = record && resumeKeyOf(record);
        if (record && resumeKey && changes.expiresAt !== undefined) {
          // The resume entry should last as long as the upload it finds.
          await runScript(redis, extendResumeScript, [keys.resume(resumeKey)], [id, record.expiresAt + retention]);
        }
        return record;
      }),

    transition: (id, from, to, at) =>
      guarded('transition', async () => {
        const reply = await runScript(redis, transitionScript, uploadKeys(id), [...context(), to, at, ...from]);
        return reply === 1;
      }),

    recordPartSignature: (id, part) =>
      guarded('recordPartSignature', async () => {
        const reply = await runScript(redis, recordPartScript, uploadKeys(id), [...context(), ...encodeParts([part])]);
        if (reply !== 1) throw errors.uploadNotFound(id);
      }),

    markPartsDone: (id, parts) => guarded('markPartsDone', () => markDone(id, parts)),

    recordSignedParts: (id, step) =>
      guarded('recordSignedParts', async () => {
        let done = step.done;
        if (done.length > DONE_BATCH) {
          // Too many for one bounded script: marked first, in batches (conflicting ones are not).
          const { conflicts } = await markDone(id, done);
          if (conflicts.length > 0) {
            const record = await load(id);
            return record && { signed: false, record, conflicts };
          }
          done = [];
        }
        // Beyond one bounded script, the rest are recorded after the checked step, in batches.
        const [first, rest] = [step.parts.slice(0, SIGN_BATCH), step.parts.slice(SIGN_BATCH)];
        const { expect, touch } = step;
        const reply = await runScript(redis, signPartScript, uploadKeys(id), [
          ...context(),
          expect.tenant, expect.owner, expect.uploadToken, step.requireResumableId ? '1' : '0',
          touch?.updatedAt ?? '', touch?.expiresAt ?? '', touch?.resumableId ?? '', RESUME_SLACK_MS,
          ...encodeParts(first),
          expect.states.length, ...expect.states,
          ...packedReports(done),
        ]);
        if (reply === null) return undefined;
        const [signed, values, conflicts, resumeUntil, resumeFields] = reply as [number, unknown, number[], number, Array<string | null>];
        if (signed !== 1) {
          const record = visible(decodeRecord(hashFromPairs(values)));
          return record && { signed: false, record, conflicts };
        }
        for (let start = 0; start < rest.length; start += SIGN_BATCH) {
          const reply = await runScript(redis, recordPartScript, uploadKeys(id), [...context(), ...encodeParts(rest.slice(start, start + SIGN_BATCH))]);
          if (reply !== 1) return undefined;
        }
        const [state, updatedAt, expiresAt, resumableId] = values as [UploadRecord['state'], string, string, string | null];
        const [fileName, fileSize, fileMd5] = resumeFields;
        // resumeKeyOf's rule: only uploads that declared their size and MD5 have a resume entry.
        if (resumeUntil > 0 && fileName != null && fileSize != null && fileMd5 != null) {
          const resumeKey = { tenant: expect.tenant, owner: expect.owner, fileName, fileSize: Number(fileSize), fileMd5 };
          await runScript(redis, extendResumeScript, [keys.resume(resumeKey)], [id, resumeUntil]);
        }
        return { signed: true, changed: { state, updatedAt: Number(updatedAt), expiresAt: Number(expiresAt), ...(resumableId === null ? {} : { resumableId }) } };
      }),

    listParts: (id) =>
      guarded('listParts', async () => {
        const [record, hash] = await Promise.all([load(id), redis.hgetallBuffer(keys.parts(id))]);
        return record ? decodePartsHash(hash) : [];
      }),

    findByResumeKey: (key) =>
      guarded('findByResumeKey', async () => {
        const id = await redis.get(keys.resume(key));
        return id !== null && (await load(id)) ? id : undefined;
      }),

    list: (query) => guarded('list', () => listing.list(query)),

    close: async () => {
      try {
        if (redis.status === 'ready') await redis.quit();
        else redis.disconnect();
      } catch {
        redis.disconnect();
      }
    },
  };
}

/**
 * A standalone client that fails fast while Redis is down, so requests answer 503
 * (state_unavailable) at once instead of hanging. Before the first connection commands
 * wait in the offline queue (start-up order does not matter) but only for two reconnect
 * attempts; once connected the offline queue is switched off, so during an outage a command
 * fails immediately while the client keeps reconnecting in the background (at most 1 s
 * apart). `onError` receives connection errors; without it they are dropped, as every
 * failed command surfaces as state_unavailable anyway.
 */
export function connectRedis(url: string, options: { onError?: (error: Error) => void } = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 2,
    connectTimeout: 2_000,
    // A Redis that accepts connections but never answers (paused, overloaded).
    commandTimeout: 5_000,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 1_000),
  });
  redis.on('error', options.onError ?? (() => {}));
  redis.once('ready', () => {
    redis.options.enableOfflineQueue = false;
  });
  return redis;
}

/**
 * A Redis Cluster client from seed URLs (any reachable node will do: the others are found
 * with CLUSTER SLOTS), failing fast like connectRedis. Nodes found that way are dialled with
 * the first seed's credentials and TLS, which ioredis would otherwise give the seeds only.
 * Commands wait in the offline queue before the first connection, for two attempts; after
 * that, or once the cluster has been ready, a command with no connected node for its slot
 * fails at once while the client reconnects in the background (at most 1 s apart).
 */
export function connectRedisCluster(urls: string[], options: { onError?: (error: Error) => void } = {}): Cluster {
  const seed = new URL(urls[0] ?? 'redis://127.0.0.1:6379');
  const onError = options.onError ?? (() => {});
  let everReady = false;
  let gaveUpWaiting = false;
  let restartOnEnd = false;
  const cluster: Cluster = new Cluster(urls, {
    // Every read must see the Lua scripts' writes; a replica may lag behind them.
    scaleReads: 'master',
    // Returning null ends the client and rejects the commands queued before a first
    // connection (ioredis offers no other way to); the 'end' handler below restarts it.
    clusterRetryStrategy: (attempt) => {
      if (everReady || gaveUpWaiting || attempt <= 2) return Math.min(50 * 2 ** attempt, 1_000);
      gaveUpWaiting = restartOnEnd = true;
      return null;
    },
    redisOptions: {
      connectTimeout: 2_000,
      // A node that accepts connections but never answers (paused, overloaded).
      commandTimeout: 5_000,
      ...(seed.username === '' ? {} : { username: decodeURIComponent(seed.username) }),
      ...(seed.password === '' ? {} : { password: decodeURIComponent(seed.password) }),
      ...(seed.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  });
  cluster.on('error', onError);
  cluster.on('node error', onError);
  cluster.once('ready', () => {
    everReady = true;
    cluster.options.enableOfflineQueue = false;
  });
  cluster.on('end', () => {
    if (!restartOnEnd) return; // closed by its owner
    restartOnEnd = false;
    cluster.options.enableOfflineQueue = false;
    // Unless the owner closes it meanwhile (its status is then no longer 'end').
    const restart = setTimeout(() => {
      if (cluster.status === 'end') cluster.connect().catch(() => {});
    }, 1_000);
    restart.unref();
  });
  return cluster;
}

// Redis failures of any kind leave the state store unusable for this request: callers see
// a SignpostError (503 with Retry-After), never an ioredis error; the original is the cause.
export async function guarded<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof SignpostError) throw error;
    throw errors.stateUnavailable(`upload state store unavailable (${operation})`, error);
  }
}

/** The flat [field, value, …] array HGETALL returns inside Lua, as an object; nil → {}. */
function hashFromPairs(reply: unknown): Record<string, string> {
  const hash: Record<string, string> = {};
  if (!Array.isArray(reply)) return hash;
  for (let index = 0; index + 1 < reply.length; index += 2) hash[String(reply[index])] = String(reply[index + 1]);
  return hash;
}
