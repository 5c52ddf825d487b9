// loadConfig(env) → Config. The only module that reads the environment.
// The JSON file named by SIGNPOST_CONFIG is validated against
// schemas/config.schema.json; any problem stops the broker at start with a
// message naming the variable or field.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from './package-root.js';
import { Ajv } from 'ajv';
import type { AuthConfig } from './http/auth.js';
import type { RateLimits } from './http/rate-limit.js';
import { DEFAULT_LIMITS, type Limits } from './domain/context.js';
import type { FileFilters } from './domain/file-policy.js';
import type { Caller, DigestCheck, StoreType } from './domain/upload.js';
import type { DedupeScope } from './domain/storages.js';
import type { PartPolicyConfig } from './domain/part-plan.js';
import type { AzureStoreOptions, S3StoreOptions } from './stores/options.js';
import { describeConfigErrors } from './schema-messages.js';
import { parseConfigText, type RawConfig } from './config-file.js';
import { toServerLimits, type ServerLimits } from './config-server.js';
import { toQuotaLimits } from './config-quotas.js';
import { toWebhookSettings } from './config-webhooks.js';
import type { WebhookSettings } from './webhooks/settings.js';

export { DEFAULT_SERVER_LIMITS, type ServerLimits } from './config-server.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface StorageConfig {
  id: string;
  type: StoreType;
  isDefault: boolean;
  tenants?: string[];
  filters: FileFilters;
  /** Absent: 'store' where the store checks SHA-256 itself, else 'read-back'. */
  verification?: DigestCheck;
  /** Absent: 'owner'. */
  dedupe?: DedupeScope;
  /** Narrows the store's part limits (seed 004). */
  partPolicy?: PartPolicyConfig;
  s3?: S3StoreOptions;
  azure?: AzureStoreOptions;
}

export interface Config {
  port: number;
  host: string;
  logLevel: string;
  /** One URL (standalone), or comma-separated Redis Cluster seed URLs: see redisSeedUrls. */
  redisUrl?: string;
  basePath: string;
  /** Where API v1 is mounted. */
  v1BasePath: string;
  demoPage: boolean;
  trustProxy: boolean;
  corsOrigins: string[];
  companion: CompanionSettings;
  storages: StorageConfig[];
  auth: AuthConfig;
  limits: Limits;
  /** HTTP server bounds; absent: DEFAULT_SERVER_LIMITS. */
  server?: ServerLimits;
  /** Requests per minute per user and per tenant; absent: no limit. */
  rateLimits?: RateLimits;
  /** Upload events to POST to endpoints; absent: none. */
  webhooks?: WebhookSettings;
}

/** Uppy Companion's S3 protocol; without a token secret, compose.ts makes one per process. */
export interface CompanionSettings {
  basePath: string;
  tokenSecret?: string;
  defaultTokenTtlSeconds: number;
  maxTokenTtlSeconds: number;
}

export const DEFAULT_COMPANION: CompanionSettings = { basePath: '/uppy', defaultTokenTtlSeconds: 900, maxTokenTtlSeconds: 3600 };

function toCompanion(raw: RawConfig['companion'], read: ReadFile): CompanionSettings {
  const secret = fileSecret(raw?.token_secret, raw?.token_secret_file, 'companion.token_secret', read);
  // The schema checks an inline secret; one from a file is checked here.
  if (secret !== undefined && secret.length < 32) throw new ConfigError('companion.token_secret must be at least 32 characters');
  const maxTtl = raw?.max_token_ttl_seconds ?? DEFAULT_COMPANION.maxTokenTtlSeconds;
  return {
    basePath: raw?.base_path ?? DEFAULT_COMPANION.basePath,
    defaultTokenTtlSeconds: Math.min(raw?.token_ttl_seconds ?? DEFAULT_COMPANION.defaultTokenTtlSeconds, maxTtl),
    maxTokenTtlSeconds: maxTtl,
    ...(secret === undefined ? {} : { tokenSecret: secret }),
  };
}

export interface ServerEnv {
  port: number;
  host: string;
  logLevel: string;
  redisUrl?: string;
  configPath?: string;
  jwtSecret?: string;
  /** Broker processes sharing the port (node:cluster, WORKERS); 1 or absent: this process serves alone. */
  workers?: number;
}

type Env = Record<string, string | undefined>;
type ReadFile = (path: string) => string;
const readText: ReadFile = (path) => readFileSync(path, 'utf8');

/** VAR, or the contents of the file named by VAR_FILE (Docker/Kubernetes secrets). */
function secretFromEnv(env: Env, name: string, read: ReadFile): string | undefined {
  if (env[name] !== undefined && env[name] !== '') return env[name];
  const file = env[`${name}_FILE`];
  if (file === undefined || file === '') return undefined;
  try {
    return read(file).trim();
  } catch (err) {
    throw new ConfigError(`${name}_FILE: cannot read ${file}: ${(err as Error).message}`);
  }
}

export function loadServerEnv(env: Env, read: ReadFile = readText): ServerEnv {
  const port = Number(env['PORT'] ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be an integer from 0 to 65535, got ${JSON.stringify(env['PORT'])}`);
  const rawRedisUrl = secretFromEnv(env, 'REDIS_URL', read);
  const redisUrl = rawRedisUrl === undefined ? undefined : checkedRedisUrl(rawRedisUrl);
  const jwtSecret = secretFromEnv(env, 'SIGNPOST_JWT_SECRET', read);
  const configPath = env['SIGNPOST_CONFIG'] === '' ? undefined : env['SIGNPOST_CONFIG'];
  const logLevel = env['LOG_LEVEL'] ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got ${JSON.stringify(logLevel)}`);
  const workers = Number(env['WORKERS'] || 1);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new ConfigError(`WORKERS must be an integer from 1 to 64, got ${JSON.stringify(env['WORKERS'])}`);
  return {
    port,
    workers,
    logLevel,
    host: env['HOST'] ?? '127.0.0.1',
    ...(redisUrl === undefined ? {} : { redisUrl }),
    ...(configPath === undefined ? {} : { configPath }),
    ...(jwtSecret === undefined ? {} : { jwtSecret }),
  };
}

/**
 * The seed URLs in a checked REDIS_URL: one means a standalone Redis, several (comma-separated)
 * a Redis Cluster. A single URL cannot say "cluster"; list a seed twice to force it.
 */
export function redisSeedUrls(redisUrl: string): string[] {
  return redisUrl.split(',').map((url) => url.trim());
}

// Messages name entries by position, never quote them: a URL may carry the password.
function checkedRedisUrl(value: string): string {
  const urls = redisSeedUrls(value);
  const cluster = urls.length > 1;
  const which = (index: number) => (cluster ? `REDIS_URL entry ${index + 1} of ${urls.length}` : 'REDIS_URL');
  // A comma in a password splits the URL too; the likeliest cause of a broken entry.
  const hint = cluster ? ' (write a comma inside a password as %2C)' : '';
  const schemes = urls.map((url, index) => {
    if (url === '') throw new ConfigError(`${which(index)} is empty (separate cluster seed URLs with single commas)`);
    if (!/^rediss?:\/\//.test(url)) throw new ConfigError(`${which(index)} must start with redis:// or rediss://${hint}`);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError(`${which(index)} is not a valid URL${hint}`);
    }
    if (parsed.hostname === '') throw new ConfigError(`${which(index)} names no host`);
    // Redis Cluster has only database 0; ioredis would silently drop any other.
    if (cluster && !['', '/', '/0'].includes(parsed.pathname)) throw new ConfigError(`${which(index)}: Redis Cluster has only database 0`);
    return parsed.protocol;
  });
  // Nodes the client discovers get the first seed's TLS setting (state/redis.ts): one
  // scheme for all, so no connection is less encrypted than the operator asked for.
  if (new Set(schemes).size > 1) throw new ConfigError('REDIS_URL: cluster seed URLs must all use redis:// or all rediss://');
  return urls.join(',');
}

const configSchema = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'schemas', 'config.schema.json'), 'utf8')) as object;

function fileSecret(value: string | undefined, file: string | undefined, field: string, read: ReadFile): string | undefined {
  if (value !== undefined) return value;
  if (file === undefined) return undefined;
  try {
    return read(file).trim();
  } catch (err) {
    throw new ConfigError(`${field}_file: cannot read ${file}: ${(err as Error).message}`);
  }
}

/** `secret`: the field may also come from a file (`<field>_file`), and the message says so. */
function required(value: string | undefined, field: string, secret = false): string {
  if (value === undefined || value === '') throw new ConfigError(`${field}${secret ? ` (or ${field}_file)` : ''} is required`);
  return value;
}

function partPolicyOf(raw: NonNullable<RawConfig['storages'][number]['part_policy']>): PartPolicyConfig {
  return {
    ...(raw.min_part_size === undefined ? {} : { minPartSize: raw.min_part_size }),
    ...(raw.max_part_size === undefined ? {} : { maxPartSize: raw.max_part_size }),
    ...(raw.part_size_unit === undefined ? {} : { partSizeUnit: raw.part_size_unit }),
    ...(raw.max_part_count === undefined ? {} : { maxPartCount: raw.max_part_count }),
  };
}

function toStorage(raw: RawConfig['storages'][number], index: number, read: ReadFile): StorageConfig {
  const where = `storages[${index}]`;
  const filters: FileFilters = {
    ...(raw.ext_filter ? { extensions: raw.ext_filter.map((e) => e.replace(/^\./, '').toLowerCase()) } : {}),
    ...(raw.mime_filter ? { mimes: raw.mime_filter.map((m) => m.toLowerCase()) } : {}),
    ...(raw.max_file_size === undefined ? {} : { maxFileSize: raw.max_file_size }),
  };
  const base = {
    id: raw.id, type: raw.type, isDefault: raw.default ?? false, filters,
    ...(raw.tenants ? { tenants: raw.tenants } : {}),
    ...(raw.verification === undefined ? {} : { verification: raw.verification }),
    ...(raw.dedupe === undefined ? {} : { dedupe: raw.dedupe }),
    ...(raw.part_policy === undefined ? {} : { partPolicy: partPolicyOf(raw.part_policy) }),
  };
  if (raw.type === 's3') {
    const s3: S3StoreOptions = {
      bucket: required(raw.bucket, `${where}.bucket`),
      region: raw.region ?? 'us-east-1',
      forcePathStyle: raw.force_path_style ?? false,
      accessKeyId: required(raw.access_key_id, `${where}.access_key_id`),
      secretAccessKey: required(fileSecret(raw.secret_access_key, raw.secret_access_key_file, `${where}.secret_access_key`, read), `${where}.secret_access_key`, true),
      signContentLength: raw.sign_content_length ?? true,
      ...(raw.checks_sha256 === undefined ? {} : { checksSha256: raw.checks_sha256 }),
      ...(raw.endpoint === undefined ? {} : { endpoint: raw.endpoint }),
    };
    return { ...base, s3 };
  }
  const azure: AzureStoreOptions = {
    container: required(raw.container, `${where}.container`),
    account: required(raw.account, `${where}.account`),
    accountKey: required(fileSecret(raw.account_key, raw.account_key_file, `${where}.account_key`, read), `${where}.account_key`, true),
    ...(raw.endpoint === undefined ? {} : { endpoint: raw.endpoint }),
  };
  return { ...base, azure };
}

function toAuth(raw: RawConfig['auth'], serverEnv: ServerEnv, read: ReadFile): AuthConfig {
  const jwt = raw.jwt;
  const secret = serverEnv.jwtSecret ?? fileSecret(jwt?.hs256_secret, jwt?.hs256_secret_file, 'auth.jwt.hs256_secret', read);
  // The schema checks an inline secret; one from a file or the environment is checked here.
  if (secret !== undefined && secret.length < 16) throw new ConfigError('auth.jwt.hs256_secret (or SIGNPOST_JWT_SECRET) must be at least 16 characters');
  const apiKeys: Record<string, Caller> = {};
  for (const [key, value] of Object.entries(raw.api_keys ?? {})) apiKeys[key] = { user: value.user, tenant: value.tenant, roles: value.roles ?? [] };
  const hasJwt = secret !== undefined || (jwt?.public_keys?.length ?? 0) > 0;
  if (!hasJwt && Object.keys(apiKeys).length === 0) throw new ConfigError('auth: configure auth.jwt (hs256_secret or public_keys) or auth.api_keys; nobody could use the broker otherwise');
  if (!hasJwt) return { apiKeys };
  return {
    apiKeys,
    jwt: {
      publicKeys: jwt?.public_keys ?? [],
      userClaim: jwt?.user_claim ?? 'sub',
      tenantClaim: jwt?.tenant_claim ?? 'tenant',
      rolesClaim: jwt?.roles_claim ?? 'roles',
      ...(secret === undefined ? {} : { hs256Secret: secret }),
      ...(jwt?.issuer === undefined ? {} : { issuer: jwt.issuer }),
      ...(jwt?.audience === undefined ? {} : { audience: jwt.audience }),
    },
  };
}

/** Validate a parsed config object (from the file, or built by the embedded launcher). */
export function parseConfig(raw: unknown, serverEnv: ServerEnv, source = 'config', read: ReadFile = readText): Config {
  // verbose: the messages need the schema around an error (known fields) and the value.
  const validate = new Ajv({ allErrors: false, strict: false, useDefaults: false, verbose: true }).compile(configSchema);
  if (!validate(raw)) throw new ConfigError(`${source}: ${describeConfigErrors(validate.errors, raw)}`);
  const config = raw as RawConfig;
  config.storages.forEach((storage, index) => {
    const first = config.storages.findIndex((s) => s.id === storage.id);
    if (first !== index) throw new ConfigError(`${source}: storages[${index}].id ${JSON.stringify(storage.id)} is already the id of storages[${first}]; ids must differ`);
  });
  const defaults = config.storages.flatMap((s, index) => (s.default ? [`storages[${index}]`] : []));
  if (defaults.length > 1) throw new ConfigError(`${source}: ${defaults.join(', ')} ${defaults.length === 2 ? 'both' : 'all'} have "default": true; only one storage may`);
  // Worker processes share nothing but Redis and the config: records kept in memory, or an
  // Uppy token key made up per process, would differ from one request to the next.
  const workers = serverEnv.workers ?? 1;
  if (workers > 1 && serverEnv.redisUrl === undefined) throw new ConfigError(`WORKERS=${workers} needs REDIS_URL: each worker would keep its own upload records in memory`);
  if (workers > 1 && config.companion?.token_secret === undefined && config.companion?.token_secret_file === undefined) {
    throw new ConfigError(`${source}: WORKERS=${workers} needs companion.token_secret (or token_secret_file): an Uppy token signed by one worker must verify in the others`);
  }
  const rawLimits = config.limits ?? {};
  const limits: Limits = {
    ...DEFAULT_LIMITS,
    directUploadThreshold: rawLimits.direct_upload_threshold ?? DEFAULT_LIMITS.directUploadThreshold,
    partUrlExpirySeconds: rawLimits.part_url_expiry_seconds ?? DEFAULT_LIMITS.partUrlExpirySeconds,
    maxUploadExpiryMinutes: rawLimits.max_upload_expiry_minutes ?? DEFAULT_LIMITS.maxUploadExpiryMinutes,
    defaultReadLinkMinutes: rawLimits.default_read_link_minutes ?? DEFAULT_LIMITS.defaultReadLinkMinutes,
    maxReadLinkMinutes: rawLimits.max_read_link_minutes ?? DEFAULT_LIMITS.maxReadLinkMinutes,
    uploadTtlMinutes: rawLimits.upload_ttl_minutes ?? DEFAULT_LIMITS.uploadTtlMinutes,
    maxListLimit: rawLimits.max_list_limit ?? DEFAULT_LIMITS.maxListLimit,
    temporaryTtlMinutes: rawLimits.temporary_ttl_minutes ?? DEFAULT_LIMITS.temporaryTtlMinutes,
    readBackConcurrency: rawLimits.read_back_concurrency ?? DEFAULT_LIMITS.readBackConcurrency,
    ...toQuotaLimits(config),
  };
  try {
    return {
      port: serverEnv.port,
      host: serverEnv.host,
      logLevel: serverEnv.logLevel,
      ...(serverEnv.redisUrl === undefined ? {} : { redisUrl: serverEnv.redisUrl }),
      basePath: config.base_path ?? '/api/engine/v2/uploads',
      v1BasePath: config.v1_base_path ?? '/api/v1',
      demoPage: config.demo_page ?? false,
      trustProxy: config.trust_proxy ?? false,
      corsOrigins: config.cors_origins ?? [],
      companion: toCompanion(config.companion, read),
      server: toServerLimits(config.server),
      ...(config.webhooks === undefined ? {} : { webhooks: toWebhookSettings(config.webhooks, (value, file, field) => fileSecret(value, file, field, read), (message) => new ConfigError(message)) }),
      ...(config.rate_limits === undefined ? {} : { rateLimits: {
        ...(config.rate_limits.per_user_per_minute === undefined ? {} : { perUserPerMinute: config.rate_limits.per_user_per_minute }),
        ...(config.rate_limits.per_tenant_per_minute === undefined ? {} : { perTenantPerMinute: config.rate_limits.per_tenant_per_minute }),
      } }),
      storages: config.storages.map((s, i) => toStorage(s, i, read)),
      auth: toAuth(config.auth, serverEnv, read),
      limits,
    };
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${source}: ${err.message}`);
    throw err;
  }
}

/** The whole configuration from the environment; undefined config file = embedded defaults (see scripts/start.ts). */
export function loadConfig(env: Env, read: ReadFile = readText): { serverEnv: ServerEnv; config?: Config } {
  const serverEnv = loadServerEnv(env, read);
  if (serverEnv.configPath === undefined) return { serverEnv };
  const source = `SIGNPOST_CONFIG=${serverEnv.configPath}`;
  let text: string;
  try {
    text = read(serverEnv.configPath);
  } catch (err) {
    throw new ConfigError(`${source}: cannot read the file: ${(err as Error).message}`);
  }
  const parsed = parseConfigText(text);
  if ('error' in parsed) throw new ConfigError(`${source}: ${parsed.error}`);
  return { serverEnv, config: parseConfig(parsed.value, serverEnv, source, read) };
}
