// When Redis or a store is down, clients get 503 with Retry-After (or 502/504),
// never a 500 or a hang, and nothing is recorded as done.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/servers/ports.js';
import { connectRedis, createRedisRepository } from '../../src/state/redis.js';
import { systemClock } from '../../src/domain/clock.js';
import type { UploadRepository } from '../../src/domain/ports.js';
import { buildBroker, freshStores, storageConfigs, type TestStores } from '../support/broker.js';
import { md5b64, sendSigned, testBytes } from '../support/protocol-driver.js';

describe('outages', () => {
  let stores: TestStores;
  let deadRedis: UploadRepository;
  let closedPort: number;

  beforeAll(async () => {
    stores = await freshStores();
    closedPort = await freePort();
    deadRedis = createRedisRepository({ redis: connectRedis(`redis://127.0.0.1:${closedPort}`), clock: systemClock });
  });
  afterAll(async () => {
    await deadRedis.close();
  });

  it('Redis down: POST / answers 503 state_unavailable with Retry-After', async () => {
    const alice = buildBroker({ storages: storageConfigs(stores), repo: deadRedis }).as('alice');
    const res = await alice.post('/', { file_name: 'a.txt', file_size: 3, file_id: md5b64(Buffer.from('abc')) });
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'state_unavailable', message: expect.stringContaining('unavailable') });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect((await alice.get('/uploads-any')).status).toBe(503);
  });

  it('store down: finalize answers 503 store_unavailable and the upload stays open', async () => {
    const deadStore = { ...stores.s3, endpoint: `http://127.0.0.1:${closedPort}` };
    const broker = buildBroker({ storages: storageConfigs({ ...stores, s3: deadStore }) });
    const alice = broker.as('alice');
    const bytes = testBytes(100);
    // Presigning needs no store round trip, so the upload can be created…
    const created = await alice.create(bytes);
    // …but the bytes cannot reach it, and finalize cannot verify.
    await expect(sendSigned(created.signature, bytes)).rejects.toThrow();
    const res = await alice.put(`/${created.upload_id}`);
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('store_unavailable');
    expect(res.headers['retry-after']).toBeDefined();
    expect((await alice.get(`/${created.upload_id}`)).body.state).toBe('pending');
  });
});
