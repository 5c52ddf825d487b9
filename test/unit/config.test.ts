import { describe, expect, it } from 'vitest';
import { loadConfig, loadServerEnv, parseConfig, redisSeedUrls } from '../../src/config.js';
import { configError, serverEnv } from '../support/config-errors.js';

const s3 = { id: 'main', type: 's3', bucket: 'uploads', access_key_id: 'AKIA', secret_access_key: 'secret', default: true };
const azure = { id: 'blob', type: 'azure', container: 'uploads', account: 'acct', account_key: 'a2V5' };
const auth = { api_keys: { 'a-key-of-sixteen-chars': { user: 'u', tenant: 't' } } };


describe('parseConfig', () => {
  it('maps a valid file to Config with defaults', () => {
    const config = parseConfig({ storages: [s3, azure], auth }, serverEnv);
    expect(config.basePath).toBe('/api/engine/v2/uploads');
    expect(config.storages[0]).toMatchObject({ id: 'main', type: 's3', isDefault: true, s3: { bucket: 'uploads', region: 'us-east-1', forcePathStyle: false, signContentLength: true } });
    expect(config.storages[1]).toMatchObject({ id: 'blob', azure: { container: 'uploads', account: 'acct', accountKey: 'a2V5' } });
    expect(config.auth.apiKeys['a-key-of-sixteen-chars']).toEqual({ user: 'u', tenant: 't', roles: [] });
    expect(config.limits.partUrlExpirySeconds).toBe(300);
  });

  it('names the field that is wrong', () => {
    expect(configError(() => parseConfig({ storages: [{ ...s3, bucket: undefined }], auth }, serverEnv))).toMatch(/bucket/);
    expect(configError(() => parseConfig({ storages: [{ ...s3, type: 'gcs' }], auth }, serverEnv))).toMatch(/storages\[0\]\.type/);
    expect(configError(() => parseConfig({ storages: [], auth }, serverEnv))).toMatch(/storages/);
    expect(configError(() => parseConfig({ storages: [s3], auth, limits: { part_url_expiry_seconds: 0 } }, serverEnv))).toMatch(/part_url_expiry_seconds/);
    expect(configError(() => parseConfig({ storages: [s3, { ...s3 }], auth }, serverEnv))).toMatch(/storages\[1\]\.id "main" is already the id of storages\[0\]/);
    expect(configError(() => parseConfig({ storages: [s3], auth: {} }, serverEnv))).toMatch(/auth/);
    expect(configError(() => parseConfig({ storages: [{ ...s3, secret_access_key: undefined }], auth }, serverEnv))).toMatch(/storages\[0\]\.secret_access_key/);
  });

  it('refuses a short JWT secret from the environment (the schema only sees inline ones)', () => {
    expect(configError(() => parseConfig({ storages: [s3], auth }, { ...serverEnv, jwtSecret: 'short' }))).toMatch(/at least 16 characters/);
  });

  it('reads secrets from *_file fields', () => {
    const read = (path: string) => (path === '/run/secrets/s3' ? 'from-file\n' : '');
    const config = parseConfig({ storages: [{ ...s3, secret_access_key: undefined, secret_access_key_file: '/run/secrets/s3' }], auth }, serverEnv, 'test', read);
    expect(config.storages[0]?.s3?.secretAccessKey).toBe('from-file');
  });

  it('fails with the path when a secret file cannot be read', () => {
    const read = () => { throw new Error('ENOENT'); };
    expect(configError(() => parseConfig({ storages: [{ ...s3, secret_access_key: undefined, secret_access_key_file: '/nope' }], auth }, serverEnv, 'test', read))).toMatch(/\/nope/);
  });
});

describe('environment', () => {
  it('reads PORT, HOST, REDIS_URL and *_FILE secrets', () => {
    const read = (path: string) => (path === '/s/redis' ? 'redis://127.0.0.1:7000\n' : 'jwt-secret-from-file');
    expect(loadServerEnv({ PORT: '9000', HOST: '0.0.0.0', REDIS_URL_FILE: '/s/redis', SIGNPOST_JWT_SECRET_FILE: '/s/jwt' }, read)).toEqual({
      port: 9000, host: '0.0.0.0', logLevel: 'info', workers: 1, redisUrl: 'redis://127.0.0.1:7000', jwtSecret: 'jwt-secret-from-file',
    });
  });
  it('refuses a bad PORT, REDIS_URL or LOG_LEVEL naming the variable', () => {
    expect(configError(() => loadServerEnv({ PORT: 'eighty' }))).toMatch(/PORT/);
    expect(configError(() => loadServerEnv({ LOG_LEVEL: 'loud' }))).toMatch(/LOG_LEVEL/);
    expect(configError(() => loadServerEnv({ REDIS_URL: 'localhost:6379' }))).toMatch(/REDIS_URL/);
    expect(configError(() => loadServerEnv({ WORKERS: '0' }))).toMatch(/WORKERS must be an integer from 1 to 64/);
    expect(configError(() => loadServerEnv({ WORKERS: 'two' }))).toMatch(/WORKERS/);
  });
  it('reads several comma-separated REDIS_URL seeds as a Redis Cluster, from the variable or its file', () => {
    const seeds = ['redis://127.0.0.1:7000', 'redis://user:p%2Cw@10.0.0.2:7001', 'redis://[::1]:7002/0'];
    const env = loadServerEnv({ REDIS_URL: ` ${seeds[0]}, ${seeds[1]} ,${seeds[2]}` });
    expect(env.redisUrl).toBe(seeds.join(','));
    expect(redisSeedUrls(env.redisUrl ?? '')).toEqual(seeds);
    expect(loadServerEnv({ REDIS_URL_FILE: '/s/redis' }, () => `${seeds[0]},${seeds[1]}\n`).redisUrl).toBe(`${seeds[0]},${seeds[1]}`);
    expect(redisSeedUrls(loadServerEnv({ REDIS_URL: 'rediss://:secret@cache.example:6380/2' }).redisUrl ?? '')).toEqual(['rediss://:secret@cache.example:6380/2']);
    expect(loadConfig({ REDIS_URL: seeds.join(','), SIGNPOST_CONFIG: '/x.json' }, () => JSON.stringify({ storages: [s3], auth })).config?.redisUrl).toBe(seeds.join(','));
  });
  it('refuses a bad cluster seed naming REDIS_URL and the entry, never quoting a URL', () => {
    const good = 'redis://:hunter2@127.0.0.1:7000';
    expect(configError(() => loadServerEnv({ REDIS_URL: `${good},` }))).toMatch(/^REDIS_URL entry 2 of 2 is empty/);
    expect(configError(() => loadServerEnv({ REDIS_URL: `${good},,${good}` }))).toMatch(/^REDIS_URL entry 2 of 3 is empty/);
    expect(configError(() => loadServerEnv({ REDIS_URL: `${good},127.0.0.1:7001` }))).toMatch(/^REDIS_URL entry 2 of 2 must start with redis:\/\/ or rediss:\/\//);
    expect(configError(() => loadServerEnv({ REDIS_URL: 'redis://:pa,ss@127.0.0.1:7000' }))).toMatch(/%2C/);
    expect(configError(() => loadServerEnv({ REDIS_URL: `${good},redis://127.0.0.1:99999` }))).toMatch(/^REDIS_URL entry 2 of 2 is not a valid URL/);
    expect(configError(() => loadServerEnv({ REDIS_URL: `redis://,${good}` }))).toMatch(/^REDIS_URL entry 1 of 2 names no host/);
    expect(configError(() => loadServerEnv({ REDIS_URL: `${good},redis://127.0.0.1:7001/3` }))).toMatch(/^REDIS_URL entry 2 of 2: Redis Cluster has only database 0/);
    expect(configError(() => loadServerEnv({ REDIS_URL: `${good},rediss://127.0.0.1:7001` }))).toMatch(/^REDIS_URL: cluster seed URLs must all use/);
    for (const bad of [`${good},x`, `x,${good}`, `${good},redis://:hunter2@h:1/2`]) expect(configError(() => loadServerEnv({ REDIS_URL: bad }))).not.toMatch(/hunter2/);
  });
  it('without SIGNPOST_CONFIG there is no config (embedded defaults); a bad file names SIGNPOST_CONFIG', () => {
    expect(loadConfig({}).config).toBeUndefined();
    expect(configError(() => loadConfig({ SIGNPOST_CONFIG: '/x.json' }, () => '{not json'))).toMatch(/SIGNPOST_CONFIG=\/x\.json/);
    const cfg = loadConfig({ SIGNPOST_CONFIG: '/x.json' }, () => JSON.stringify({ storages: [s3], auth })).config;
    expect(cfg?.storages).toHaveLength(1);
  });
});
