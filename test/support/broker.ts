// Builds real broker apps for integration tests: real stores (Swift's S3 API,
// Azurite), a real Redis repository (or memory), users with API keys.
import { randomBytes } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { inject } from 'vitest';
import { createApp, type AppDeps } from '../../src/app.js';
import type { RateGate } from '../../src/http/rate-limit.js';
import { countUploadEvents, createMetrics } from '../../src/http/observability.js';
import { checkFormArrivals } from '../../src/domain/form-upload.js';
import { sweep, type SweepResult } from '../../src/domain/sweeper.js';
import { buildStorages } from '../../src/compose.js';
import { DEFAULT_COMPANION, type StorageConfig } from '../../src/config.js';
import { systemClock, randomIds, type Clock } from '../../src/domain/clock.js';
import { DEFAULT_LIMITS, type Limits } from '../../src/domain/context.js';
import { createMemoryRepository } from '../../src/state/memory.js';
import { connectRedis, createRedisRepository } from '../../src/state/redis.js';
import type { UploadRepository } from '../../src/domain/ports.js';
import type { UploadEvents } from '../../src/domain/events.js';
import { RecentRecords } from '../../src/domain/recent-records.js';
import type { AzureStoreOptions, S3StoreOptions } from '../../src/stores/options.js';
import { Client } from './protocol-driver.js';
import { V1Client } from './v1-driver.js';
import { createBucket, createContainer } from './provision.js';

export const USERS = {
  alice: { key: 'key-alice-acme-000001', user: 'alice', tenant: 'acme', roles: [] as string[] },
  bob: { key: 'key-bob-acme-0000001', user: 'bob', tenant: 'acme', roles: [] as string[] },
  carol: { key: 'key-carol-other-00001', user: 'carol', tenant: 'other', roles: [] as string[] },
  admin: { key: 'key-admin-acme-00001', user: 'root', tenant: 'acme', roles: ['admin'] },
  support: { key: 'key-support-acme-001', user: 'helpdesk', tenant: 'acme', roles: ['support'] },
  otherAdmin: { key: 'key-admin-other-0001', user: 'boss', tenant: 'other', roles: ['admin'] },
};
export type UserName = keyof typeof USERS;

/** Every test broker signs Uppy endpoint tokens with this key, so two brokers accept each other's. */
export const COMPANION_TOKEN_SECRET = 'test-companion-token-secret-0123456789';

export interface TestStores {
  s3: S3StoreOptions;
  azure: AzureStoreOptions;
}

/** A fresh bucket in Swift and a fresh container in Azurite. */
export async function freshStores(): Promise<TestStores> {
  const [s3, azure] = await Promise.all([createBucket(inject('swift')), createContainer(inject('azurite'))]);
  return { s3, azure };
}

export function storageConfigs(stores: TestStores, extra: { s3?: Partial<StorageConfig>; azure?: Partial<StorageConfig> } = {}): StorageConfig[] {
  return [
    { id: 's3', type: 's3', isDefault: true, filters: {}, s3: stores.s3, ...extra.s3 },
    { id: 'azure', type: 'azure', isDefault: false, filters: {}, azure: stores.azure, ...extra.azure },
  ];
}

/** A Redis repository on the run's redis-server under a fresh key prefix (or a given one, to share state between apps). */
export function redisRepository(prefix = `t${randomBytes(4).toString('hex')}`, clock: Clock = systemClock): UploadRepository {
  return createRedisRepository({ redis: connectRedis(inject('redis').url), clock, keyPrefix: prefix });
}

export interface BrokerOptions {
  storages: StorageConfig[];
  repo?: UploadRepository;
  clock?: Clock;
  limits?: Partial<Limits>;
  /** Browser origins allowed across origins (the Uppy routes). */
  corsOrigins?: string[];
  /** The broker's logger (silent unless TEST_LOG_LEVEL says otherwise). */
  logger?: Logger;
  /** Counts requests against rate limits (createRateGate; undefined when it sets none). */
  rateGate?: RateGate | undefined;
  /** Where upload events go (a webhook outbox); none when absent. */
  events?: UploadEvents;
}

export interface TestBroker {
  app: ReturnType<typeof createApp>;
  repo: UploadRepository;
  /** One round of the timer main.ts runs: look in the store for awaited form uploads. */
  checkFormArrivals(): Promise<number>;
  /** One round of the sweeper as the process named `holder` runs it (main.ts's timer). */
  sweep(holder: string): Promise<SweepResult>;
  as(user: UserName): Client;
  /** API v1 as this user. */
  v1(user: UserName): V1Client;
  withHeaders(headers: Record<string, string>): Client;
}

export function buildBroker(options: BrokerOptions): TestBroker {
  const clock = options.clock ?? systemClock;
  const repo = options.repo ?? createMemoryRepository({ clock });
  const formArrivals = new Set<string>();
  // As compose.ts wires it: every upload event counted on /metrics, then handed to the webhooks.
  const metrics = createMetrics();
  const apiKeys = Object.fromEntries(Object.values(USERS).map(({ key, ...caller }) => [key, caller]));
  const deps: AppDeps = {
    basePath: '/api/engine/v2/uploads',
    v1BasePath: '/api/v1',
    companion: { ...DEFAULT_COMPANION, tokenSecret: COMPANION_TOKEN_SECRET },
    corsOrigins: options.corsOrigins ?? [],
    ...(options.rateGate === undefined ? {} : { rateGate: options.rateGate }),
    auth: { apiKeys },
    logger: options.logger ?? pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' }),
    repo,
    formArrivals,
    recentRecords: new RecentRecords(),
    storages: buildStorages(options.storages, clock),
    clock,
    ids: randomIds,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    metrics,
    events: countUploadEvents(metrics, options.events),
  };
  const app = createApp(deps);
  return {
    app,
    repo,
    checkFormArrivals: () => checkFormArrivals(deps),
    sweep: (holder) => sweep(deps, holder),
    as: (user) => new Client(app, { 'X-API-Key': USERS[user].key }),
    v1: (user) => new V1Client(app, { 'X-API-Key': USERS[user].key }),
    withHeaders: (headers) => new Client(app, headers),
  };
}
