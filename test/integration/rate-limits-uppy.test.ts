// Rate limits on Uppy Companion's routes: minting a token counts as the minting user's
// request, and every request under an endpoint token counts against the user and tenant the
// token carries — shared with their own API calls — so a token is no way around a limit.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { connectRedis } from '../../src/state/redis.js';
import { createRateGate } from '../../src/http/rate-limit.js';
import { buildBroker, freshStores, storageConfigs, type TestStores } from '../support/broker.js';
import { mintEndpoint, UPPY_BASE } from '../support/companion-driver.js';
import request from 'supertest';

describe('rate limits on the Uppy routes', () => {
  let stores: TestStores;
  beforeAll(async () => {
    stores = await freshStores();
  });

  it('per user: the token routes count against the token\'s user; over the limit 429 with Retry-After, another user untouched', async () => {
    const broker = buildBroker({ storages: storageConfigs(stores), rateGate: createRateGate({ perUserPerMinute: 4 }) });
    const alice = await mintEndpoint(broker.app, 'alice'); // 1
    const bob = await mintEndpoint(broker.app, 'bob');
    const statuses = [
      (await alice.params({ filename: 'a.txt', type: 'text/plain' })).status, // 2
      (await alice.createMultipart('a.bin')).status, // 3
      (await alice.listParts('nope', 'nope')).status, // 4 (refused after counting: unknown upload)
    ];
    expect(statuses).toEqual([200, 200, 404]);
    const refused = await alice.params({ filename: 'b.txt', type: 'text/plain' });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: 'rate_limited', message: expect.stringMatching(/too many requests/) });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // The same user's own API calls share the count; a second token is no way around it.
    expect((await broker.as('alice').get('/')).status).toBe(429);
    expect((await request(broker.app).post(`${UPPY_BASE}/tokens`).set('X-API-Key', 'key-alice-acme-000001').send({})).status).toBe(429);
    // Bob (same tenant, no tenant limit set) is untouched.
    expect((await bob.params({ filename: 'b.txt', type: 'text/plain' })).status).toBe(200);
    expect((await broker.as('bob').get('/')).status).toBe(200);
  });

  it('a refused request under a token changes nothing: the multipart upload it would have created is not there', async () => {
    const broker = buildBroker({ storages: storageConfigs(stores), rateGate: createRateGate({ perUserPerMinute: 2 }) });
    const alice = await mintEndpoint(broker.app, 'alice'); // 1
    expect((await alice.params({ filename: 'a.txt', type: 'text/plain' })).status).toBe(200); // 2
    const owned = () => broker.repo.list({ tenant: 'acme', owner: 'alice', limit: 100, offset: 0 });
    const before = await owned();
    expect((await alice.createMultipart('refused.bin')).status).toBe(429);
    expect(await owned()).toEqual(before);
  });

  it('per tenant, counted in Redis and shared by two brokers: tokens of alice and bob share acme\'s count; carol\'s tenant is untouched', async () => {
    const gate = () => createRateGate({ perTenantPerMinute: 4, perUserPerMinute: 100 }, connectRedis(`${inject('redis').url}/5`, {}));
    const first = buildBroker({ storages: storageConfigs(stores), rateGate: gate() });
    const second = buildBroker({ storages: storageConfigs(stores), rateGate: gate() });
    const alice = await mintEndpoint(first.app, 'alice'); // acme 1
    const bob = await mintEndpoint(second.app, 'bob'); // acme 2
    const carol = await mintEndpoint(first.app, 'carol');
    const query = { filename: 'c.txt', type: 'text/plain' };
    // Two brokers sharing the secret take each other's tokens: bob's token on the first broker.
    const bobOnFirst = { ...bob, app: first.app };
    const statuses = [
      (await alice.params(query)).status, // acme 3
      (await request(bobOnFirst.app).get(`${bob.endpoint}/s3/params?${new URLSearchParams(query)}`)).status, // acme 4
      (await bob.params(query)).status, // acme 5: over
    ];
    expect(statuses).toEqual([200, 200, 429]);
    expect((await carol.params(query)).status).toBe(200);
  });
});
