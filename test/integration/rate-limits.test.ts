// Rate limits per user and per tenant: over a limit 429 with Retry-After, other
// callers untouched; counted in Redis (shared by two broker instances, as by two
// processes) or in memory.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { connectRedis } from '../../src/state/redis.js';
import { createRateGate } from '../../src/http/rate-limit.js';
import { buildBroker, freshStores, storageConfigs, type TestStores } from '../support/broker.js';

describe('rate limits', () => {
  let stores: TestStores;
  beforeAll(async () => {
    stores = await freshStores();
  });

  it('per user (memory): the request over the limit is 429 with Retry-After; another user is untouched', async () => {
    const broker = buildBroker({ storages: storageConfigs(stores), rateGate: createRateGate({ perUserPerMinute: 3 }) });
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await broker.as('alice').get('/')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await broker.as('alice').get('/');
    expect(refused.body).toMatchObject({ error: 'rate_limited', message: expect.stringMatching(/too many requests/) });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await broker.as('bob').get('/')).status).toBe(200);
    // API v1 and the Uppy token minting count too.
    expect((await broker.v1('alice').get('/uploads/uploads-x')).status).toBe(429);
  });

  it('per tenant, counted in Redis and shared by two brokers: alice and bob of one tenant share it, carol of another does not', async () => {
    const gate = () => createRateGate({ perTenantPerMinute: 4, perUserPerMinute: 100 }, connectRedis(`${inject('redis').url}/4`, {}));
    const first = buildBroker({ storages: storageConfigs(stores), rateGate: gate() });
    const second = buildBroker({ storages: storageConfigs(stores), rateGate: gate() });
    // The counts live in database 4 of the run's redis-server, where no other test counts
    // (rate-limits-uppy.test.ts counts acme's requests in database 5).
    const statuses = [
      (await first.as('alice').get('/')).status,
      (await second.as('bob').get('/')).status,
      (await first.as('bob').get('/')).status,
      (await second.as('alice').get('/')).status,
      (await first.as('alice').get('/')).status,
    ];
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    expect((await second.as('carol').get('/')).status).toBe(200);
  });
});
