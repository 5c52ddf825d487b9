// Builds the broker's dependencies from a Config: logger, repository (Redis
// when REDIS_URL is set — a Redis Cluster when it lists several seeds — else
// memory), one store adapter per storage.
import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import pino, { type Logger } from 'pino';
import type { AppDeps } from './app.js';
import { redisSeedUrls, type CompanionSettings, type Config, type StorageConfig } from './config.js';
import type { CompanionConfig } from './protocols/companion/router.js';
import { countUploadEvents, createMetrics } from './http/observability.js';
import { createRateGate, type RateGate } from './http/rate-limit.js';
import { randomIds, systemClock, type Clock } from './domain/clock.js';
import { effectivePolicy } from './domain/part-plan.js';
import { StorageRegistry, type Storage } from './domain/storages.js';
import { createMemoryRepository } from './state/memory.js';
import { connectRedis, connectRedisCluster, createRedisRepository } from './state/redis.js';
import type { UploadRepository } from './domain/ports.js';
import { RecentRecords } from './domain/recent-records.js';
import { createAzureStore } from './stores/azure.js';
import { createS3Store } from './stores/s3.js';
import { hostname } from 'node:os';
import type { Metrics } from './http/observability.js';
import { createMemoryWebhookQueue } from './state/webhook-queue-memory.js';
import { createRedisWebhookQueue } from './state/webhook-queue-redis.js';
import { createWebhookService, type WebhookService } from './webhooks/service.js';
import { createWebhookMetrics } from './webhooks/settings.js';

export function createLogger(level: string): Logger {
  // Written off the request path: an asynchronous destination gathers the lines that arrive
  // while a write is under way into the next write (a synchronous write per request line was
  // ≈7 % of a part signature's CPU in scripts/bench/sign-path.ts's profile); pino flushes it
  // synchronously on exit, so a crash still leaves its last lines.
  return pino({ level }, pino.destination({ dest: 1, sync: false }));
}

export function buildStorages(configs: StorageConfig[], clock: Clock = systemClock): StorageRegistry {
  const storages: Storage[] = configs.map((s, index) => {
    // The clock signs too: expiry is computed from it, so tests can move time.
    const store = s.s3 ? createS3Store(s.s3, { clock }) : createAzureStore(s.azure as NonNullable<typeof s.azure>, { clock });
    const verification = s.verification ?? (store.capabilities.checksSha256 ? 'store' : 'read-back');
    const partPolicy = effectivePolicy(store.capabilities.limits, s.partPolicy, `storages[${index}].part_policy`);
    return { id: s.id, type: s.type, isDefault: s.isDefault, filters: s.filters, store, verification, dedupe: s.dedupe ?? 'owner', partPolicy, ...(s.tenants ? { tenants: s.tenants } : {}) };
  });
  return new StorageRegistry(storages);
}

export function buildRepository(config: Config, clock: Clock, logger: Logger): UploadRepository {
  if (config.redisUrl === undefined) {
    logger.warn('REDIS_URL is not set: upload records are kept in memory and lost on restart (fine for a demo, not for production)');
    return createMemoryRepository({ clock });
  }
  const urls = redisSeedUrls(config.redisUrl);
  // Hosts and ports only: the URLs may carry a password.
  const seeds = urls.map((url) => new URL(url).host);
  const cluster = urls.length > 1;
  const states = redisStateLog(logger.child({ redis: cluster ? 'cluster' : 'standalone', seeds }));
  const redis = cluster ? connectRedisCluster(urls, { onError: states.onError }) : connectRedis(config.redisUrl, { onError: states.onError });
  states.follow(redis);
  return createRedisRepository({ redis, clock });
}

/**
 * One log line per change of the Redis connection's state — connecting, ready, unreachable
 * or lost, reconnected — instead of an error with its stack for every failed reconnect
 * (ioredis retries up to every second, for as long as Redis is down). Each failed attempt
 * is still there at debug level.
 */
export function redisStateLog(logger: Logger): { onError(err: Error, node?: string): void; follow(client: EventEmitter): void } {
  let state: 'connecting' | 'ready' | 'down' = 'connecting';
  let everReady = false;
  let downSince = 0;
  let attempts = 0;
  const reasonOf = (err: Error) => (err as NodeJS.ErrnoException).code ?? err.message;
  const goDown = (reason: string | undefined) => {
    downSince = Date.now();
    attempts = 0;
    const fields = reason === undefined ? {} : { reason };
    if (state === 'ready') logger.warn(fields, 'redis connection lost; reconnecting in the background (requests answer 503 until it is back)');
    else logger.warn(fields, 'redis unreachable; retrying in the background (requests answer 503 until it answers)');
    state = 'down';
  };
  logger.info('redis connecting');
  return {
    onError(err, node) {
      // Redis Cluster: one node failing (a replica, a failover) is not the state store lost;
      // the cluster reports that itself when no node serves it.
      if (node !== undefined && state === 'ready') {
        logger.debug({ reason: reasonOf(err), node }, 'redis cluster node error');
        return;
      }
      if (state === 'down') {
        attempts += 1;
        logger.debug({ reason: reasonOf(err), attempts }, 'redis still unreachable');
        return;
      }
      goDown(reasonOf(err));
    },
    follow(client) {
      // A dropped connection may close without an error (Redis shut down cleanly); ioredis
      // then says it is reconnecting. A client its owner quits never does.
      client.on('reconnecting', () => {
        if (state === 'ready') goDown(undefined);
      });
      client.on('ready', () => {
        if (state === 'ready') return;
        if (everReady) logger.info({ downSeconds: Math.round((Date.now() - downSince) / 100) / 10, failedAttempts: attempts }, 'redis reconnected');
        else logger.info('redis ready');
        everReady = true;
        state = 'ready';
      });
    },
  };
}

/** The Uppy token settings; a secret made here lasts as long as this process, so say so. */
export function buildCompanion(settings: CompanionSettings, logger: Logger): CompanionConfig {
  if (settings.tokenSecret === undefined) {
    logger.warn('companion.token_secret is not set: Uppy endpoint tokens are signed with a key of this process only (set it when several broker processes serve one deployment)');
  }
  const { tokenSecret = randomBytes(32).toString('base64url'), ...rest } = settings;
  return { tokenSecret, ...rest };
}

/** The rate limits' counter: Redis (its own connection) when the broker has one, else memory. */
export function buildRateGate(config: Config): RateGate | undefined {
  if (config.rateLimits === undefined) return undefined;
  if (config.redisUrl === undefined) return createRateGate(config.rateLimits);
  const urls = redisSeedUrls(config.redisUrl);
  return createRateGate(config.rateLimits, urls.length > 1 ? connectRedisCluster(urls) : connectRedis(config.redisUrl));
}

/**
 * Webhooks when configured: their queue in Redis (its own connections; durable, shared by every
 * broker process) or in memory, and the service main.ts starts and stops.
 */
export function buildWebhooks(config: Config, logger: Logger, metrics: Metrics | undefined, clock: Clock = systemClock): WebhookService | undefined {
  const settings = config.webhooks;
  if (settings === undefined) return undefined;
  const redisUrl = config.redisUrl;
  if (redisUrl === undefined) logger.warn('webhooks: REDIS_URL is not set, so events are queued in memory: those not yet delivered are lost on restart');
  const urls = redisUrl === undefined ? [] : redisSeedUrls(redisUrl);
  const connect = () => (urls.length > 1 ? connectRedisCluster(urls) : connectRedis(redisUrl ?? ''));
  const queue = redisUrl === undefined ? createMemoryWebhookQueue({ clock }) : createRedisWebhookQueue({ redis: connect(), connect, keyPrefix: 'upl' });
  return createWebhookService({
    settings, queue, clock,
    logger: logger.child({ component: 'webhooks' }),
    consumer: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    ...(metrics === undefined ? {} : { metrics: createWebhookMetrics(metrics.registry) }),
  });
}

/** The app's dependencies, and the webhook service (when configured) for main.ts to start and stop. */
export function buildDependencies(config: Config, logger: Logger, clock: Clock = systemClock): AppDeps & { webhooks?: WebhookService } {
  const rateGate = buildRateGate(config);
  const metrics = createMetrics();
  const webhooks = buildWebhooks(config, logger, metrics, clock);
  return {
    ...(rateGate === undefined ? {} : { rateGate }),
    basePath: config.basePath,
    v1BasePath: config.v1BasePath,
    companion: buildCompanion(config.companion, logger),
    corsOrigins: config.corsOrigins,
    auth: config.auth,
    logger,
    repo: buildRepository(config, clock, logger),
    formArrivals: new Set(),
    recentRecords: new RecentRecords(),
    metrics,
    ...(webhooks === undefined ? {} : { webhooks }),
    events: countUploadEvents(metrics, webhooks?.events),
    storages: buildStorages(config.storages, clock),
    clock,
    ids: randomIds,
    limits: config.limits,
  };
}
