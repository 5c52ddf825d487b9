// Fixtures shared by the repository tests: records, a clock tests move by hand (nothing
// sleeps waiting for expiry), and one harness per implementation.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, expect, inject } from 'vitest';
import { startRedisCluster, type RedisCluster } from '../../scripts/servers/redis-cluster.js';
import type { UploadRecord } from '../../src/domain/upload.js';
import { createMemoryRepository } from '../../src/state/memory.js';
import { connectRedis, connectRedisCluster, createRedisRepository } from '../../src/state/redis.js';
import type { UploadRepository } from '../../src/domain/ports.js';

/** What both repositories are. */
export type Repository = UploadRepository;

export const HOUR = 3_600_000;
export const RETENTION = 60_000;

export interface TestClock {
  now(): number;
  advance(ms: number): void;
}

// Starts at real time: Redis's own TTLs (PEXPIREAT) are then in Redis's future, as in production.
export function testClock(): TestClock {
  let time = Date.now();
  return { now: () => time, advance: (ms) => void (time += ms) };
}

export interface Harness {
  repo: Repository;
  clock: TestClock;
  prefix: string;
}

export interface Implementation {
  name: string;
  /** Whether two instances opened with the same prefix see the same uploads (two brokers, one Redis). */
  shared: boolean;
  open(clock: TestClock, prefix: string): Repository;
}

export const memoryImplementation: Implementation = {
  name: 'memory',
  shared: false,
  open: (clock) => createMemoryRepository({ clock, retentionAfterExpiryMs: RETENTION }),
};

// Against the redis-server the global setup started; each test has its own key prefix.
export const redisImplementation: Implementation = {
  name: 'redis',
  shared: true,
  open: (clock, keyPrefix) =>
    createRedisRepository({ redis: connectRedis(inject('redis').url), clock, keyPrefix, retentionAfterExpiryMs: RETENTION }),
};

// Against a Redis Cluster the test file starts: seedUrls is asked each time a test opens a
// repository, as the cluster is only up once the file's beforeAll has run.
export function redisClusterImplementation(seedUrls: () => string[]): Implementation {
  return {
    name: 'redis cluster',
    shared: true,
    open: (clock, keyPrefix) =>
      createRedisRepository({ redis: connectRedisCluster(seedUrls()), clock, keyPrefix, retentionAfterExpiryMs: RETENTION }),
  };
}

/** Starts a Redis Cluster for the calling test file (stopped after it) and runs the contract on it. */
export function clusterOfThisFile(): Implementation {
  let cluster: RedisCluster | undefined;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  return redisClusterImplementation(() => {
    if (cluster === undefined) throw new Error('the Redis Cluster of this file is not running');
    return cluster.urls;
  });
}

/** A record with a declared size and MD5: one a later create of the same file can resume. */
export type ResumableRecord = UploadRecord & { fileSize: number; fileMd5: string };

export function uploadRecord(clock: TestClock, overrides: Partial<ResumableRecord> = {}): ResumableRecord {
  const id = `uploads-${randomUUID()}`;
  return {
    id,
    owner: 'user-1',
    tenant: 'tenant-1',
    storageId: 'store-s3',
    objectKey: `tenant-1/${id}.bin`,
    fileName: 'Holiday Photos.zip',
    fileSize: 12 * 1024 * 1024,
    mime: 'application/zip',
    fileMd5: 'XrY7u+Ae7tCTyyK7j1rNww==',
    permissions: 'none',
    public: false,
    tags: ['alpha'],
    state: 'pending',
    kind: 'chunked',
    integrity: 'store-md5',
    temporary: false,
    partSize: 5 * 1024 * 1024,
    partCount: 3,
    createdAt: clock.now(),
    updatedAt: clock.now(),
    expiresAt: clock.now() + HOUR,
    uploadToken: randomUUID(),
    ...overrides,
  };
}

/** A distinct, well-formed base64 MD5 per n. */
export const md5 = (n: number) => Buffer.alloc(16, n).toString('base64');

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected a rejection'),
    (error: unknown) => error,
  );
}

/** A fresh clock, key prefix and repository for every test, closed after it. */
export function useHarness(implementation: Implementation): Harness {
  const harness = {} as Harness;
  beforeEach(() => {
    harness.clock = testClock();
    harness.prefix = `test-${randomUUID()}`;
    harness.repo = implementation.open(harness.clock, harness.prefix);
  });
  afterEach(async () => {
    await harness.repo.close();
  });
  return harness;
}

