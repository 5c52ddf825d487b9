// The client library across a Redis outage: Redis is SIGKILLed as the first part lands and
// started again (AOF, appendfsync always) once the broker has answered the client 503 at least
// once. Neither uploader gives up: each retries after the broker's Retry-After, sends only
// what remains, and completes with the file's bytes, read back from the store.
import type { RequestHandler } from 'express';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../scripts/servers/ports.js';
import { fileSource, upload, uploadBlob, V1Client, type PartEvent } from '../../src/client/node.js';
import { systemClock } from '../../src/domain/clock.js';
import type { UploadRepository } from '../../src/domain/ports.js';
import { connectRedis, createRedisRepository } from '../../src/state/redis.js';
import { freshStores, storageConfigs, USERS, type TestStores } from '../support/broker.js';
import { sha256, startOwnRedis, type OwnRedis } from '../support/faults.js';
import { listeningBroker, MiB, tempFiles, type ListeningBroker, type TempFiles } from './client-harness.js';

const alice = { 'X-API-Key': USERS.alice.key };

// Timeouts: the client waits out the broker's Retry-After (2 s) on top of the uploads themselves.
describe('the client library while Redis is killed and restarted', () => {
  let stores: TestStores;
  let files: TempFiles;
  let redis: OwnRedis | undefined;
  let repo: UploadRepository | undefined;
  let target: ListeningBroker | undefined;
  beforeAll(async () => {
    stores = await freshStores();
    files = await tempFiles();
  });
  afterEach(async () => {
    await target?.close();
    await repo?.close();
    await redis?.stop();
    target = repo = redis = undefined;
  });

  /** A broker on its own Redis that notes every status it answers. */
  async function brokerOnOwnRedis(): Promise<{ target: ListeningBroker; redis: OwnRedis; statuses: number[] }> {
    redis = await startOwnRedis({ appendfsync: 'always' });
    repo = createRedisRepository({ redis: connectRedis(redis.url), clock: systemClock, keyPrefix: 'faults-client' });
    const statuses: number[] = [];
    const noteStatus: RequestHandler = (_req, res, next) => {
      res.on('finish', () => statuses.push(res.statusCode));
      next();
    };
    target = await listeningBroker({ storages: storageConfigs(stores), repo }, noteStatus);
    return { target, redis, statuses };
  }

  /** On the first part done: kill Redis, wait for the broker to have answered 503, restart it. */
  function outageOnFirstPart(redis: OwnRedis, statuses: number[]): { onPart: (e: PartEvent) => void; over: () => Promise<void> } {
    let outage: Promise<void> | undefined;
    return {
      onPart: (e) => {
        if (e.status !== 'done' || outage) return;
        outage = (async () => {
          await redis.kill();
          await waitUntil(async () => statuses.includes(503), { what: 'the broker to answer 503 while Redis is down', timeoutMs: 60_000, intervalMs: 20 });
          await redis.restart();
        })();
      },
      over: async () => {
        expect(outage, 'no part was done: the outage never started').toBeDefined();
        await outage;
      },
    };
  }

  /** A 16 MiB upload by `start` (one part at a time) on a broker whose Redis goes down after the first part. */
  type Start<R> = (source: Parameters<typeof upload>[0], options: Parameters<typeof upload>[1]) => { on(event: 'part', listener: (e: PartEvent) => void): unknown; done: Promise<R> };
  async function throughOutage<R>(name: string, start: Start<R>) {
    const { target, redis, statuses } = await brokerOnOwnRedis();
    const { path, bytes } = await files.make(name, 16 * MiB + 1);
    const outage = outageOnFirstPart(redis, statuses);
    const task = start(await fileSource(path), { url: target.url, headers: alice, storageId: 's3', retryDelayMs: 50, parallel: 1 });
    task.on('part', (e) => outage.onPart(e));
    const result = await task.done;
    await outage.over();
    expect(statuses).toContain(503);
    return { target, bytes, result };
  }

  it('upload() (PlaceOS): retries through the outage and completes, bytes equal', async () => {
    const { target, bytes, result } = await throughOutage('client-redis-outage.bin', upload);
    expect(sha256(await target.broker.as('alice').download(result.uploadId))).toBe(sha256(bytes));
  }, 180_000);

  it('uploadBlob() (API v1): retries through the outage and completes with the file\'s SHA-256, bytes equal', async () => {
    const { target, bytes, result } = await throughOutage('client-v1-redis-outage.bin', uploadBlob);
    expect(result.sha256).toBe(sha256(bytes));
    const link = await new V1Client({ url: target.url, headers: alice }).blobUrl(result.sha256);
    expect(sha256(Buffer.from(await (await fetch(link)).arrayBuffer()))).toBe(sha256(bytes));
  }, 180_000);
});
