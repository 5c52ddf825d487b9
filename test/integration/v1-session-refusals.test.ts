// A refused upload session creates nothing: a blob refused for what needs no one's answer — its
// name, its storage, its size — refuses the session before any blob's upload is made (found by
// fuzz-v1.test.ts: a session refused for its second blob's name had made the first one's upload).
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBroker, freshStores, storageConfigs, type TestBroker } from '../support/broker.js';
import { sha256Hex } from '../support/v1-driver.js';

describe('API v1: a refused upload session', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = buildBroker({ storages: storageConfigs(await freshStores()) });
  });
  const uploads = async () => (await broker.repo.list({ tenant: 'acme', owner: 'alice', limit: 1, offset: 0 })).total;
  const blob = (extra: object = {}) => {
    const bytes = randomBytes(32);
    return { sha256: sha256Hex(bytes), size: bytes.length, ...extra };
  };

  it.each([
    ['an unusable name', { name: '..' }, 'invalid_file'],
    ['a size over the store\'s maximum object size', { size: 6 * 1024 ** 4 }, 'too_large'],
  ])('for its second blob\'s %s: 4xx, and no upload made for the first', async (_what, second, code) => {
    const before = await uploads();
    const res = await broker.v1('alice').post('/upload-sessions', { blobs: [blob({ name: 'fine.bin' }), blob(second)] });
    expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body).toEqual({ error: code, message: expect.any(String) });
    expect(await uploads()).toBe(before);
  });

  it('for a storage the caller may not use: 4xx, and no upload made', async () => {
    const before = await uploads();
    const res = await broker.v1('alice').post('/upload-sessions', { storage_id: 'nope', blobs: [blob(), blob()] });
    expect(res.status).toBe(400);
    expect(await uploads()).toBe(before);
  });
});
