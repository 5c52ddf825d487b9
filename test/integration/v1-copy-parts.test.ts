// Seed 004's copied parts: a new object composed from ranges of blobs already
// stored, copied by the store itself (S3 UploadPartCopy on Swift). Azurite does
// not implement Azure's Put Block From URL: the broker says so instead of
// pretending. Every range rule and the source's access rule refuse first.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBroker, freshStores, storageConfigs, type TestBroker, type TestStores } from '../support/broker.js';
import { MiB, testBytes } from '../support/protocol-driver.js';
import { sha256Hex } from '../support/v1-driver.js';

describe('API v1 parts copied from stored blobs', () => {
  let stores: TestStores;
  let broker: TestBroker;
  let a: Buffer;
  let b: Buffer;
  beforeAll(async () => {
    stores = await freshStores();
    broker = buildBroker({ storages: storageConfigs(stores) });
    a = testBytes(12 * MiB);
    b = testBytes(9 * MiB + 5);
    await broker.v1('alice').upload(a, { filename: 'a.mp4', storage_id: 's3' });
    await broker.v1('alice').upload(b, { filename: 'b.mp4', storage_id: 's3' });
  });

  async function target(size: number, partSize: number, storageId = 's3') {
    const created = await broker.v1('alice').initiate({ filename: 'composed.mp4', size, part_size: partSize, storage_id: storageId });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    return created.body.id as string;
  }

  it('composes an object from ranges of two blobs: the bytes read back equal the concatenated ranges', async () => {
    const alice = broker.v1('alice');
    const id = await target(6 * MiB + 4 * MiB, 6 * MiB);
    const first = await alice.post(`/uploads/${id}/parts/1/copy`, { source: { sha256: sha256Hex(a) }, range: `bytes=${MiB}-${7 * MiB - 1}` });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ number: 1, size: 6 * MiB });
    const second = await alice.post(`/uploads/${id}/parts/2/copy`, { source: { sha256: `sha-256:${sha256Hex(b)}` }, range: `bytes=${2 * MiB}-${6 * MiB - 1}` });
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    const expected = Buffer.concat([a.subarray(MiB, 7 * MiB), b.subarray(2 * MiB, 6 * MiB)]);
    const done = await alice.post(`/uploads/${id}/complete?digest=sha-256:${sha256Hex(expected)}`);
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect(done.body).toMatchObject({ size: expected.length, verified: 'read-back' });
    expect((await alice.download(sha256Hex(expected))).equals(expected)).toBe(true);
  });

  it('refuses broken ranges with 400, naming the rule', async () => {
    const alice = broker.v1('alice');
    const id = await target(6 * MiB + MiB, 6 * MiB);
    const source = { sha256: sha256Hex(a) };
    const cases: Array<[string, RegExp]> = [
      ['0-6291455', /bytes=<first>-<last>/],
      [`bytes=0-`, /bytes=<first>-<last>/],
      [`bytes=0-10,20-30`, /bytes=<first>-<last>/],
      [`bytes=${MiB + 1}-${7 * MiB}`, /multiple of 1 MiB/],
      [`bytes=${7 * MiB}-${MiB}`, /ends before it starts/],
      [`bytes=${7 * MiB}-${13 * MiB - 1}`, /outside the source/],
      [`bytes=0-${5 * MiB - 1}`, /6291456 bytes by its plan; the range has 5242880/],
    ];
    for (const [range, message] of cases) {
      const res = await alice.post(`/uploads/${id}/parts/1/copy`, { source, range });
      expect(res.status, range).toBe(400);
      expect(res.body.message, range).toMatch(message);
    }
    expect((await alice.post(`/uploads/${id}/parts/3/copy`, { source, range: `bytes=0-${MiB - 1}` })).status).toBe(400);
  });

  it('a source the caller may not read answers 404, as an unknown one; another storage 409; Azurite cannot copy', async () => {
    const bob = broker.v1('bob');
    const mine = await bob.initiate({ filename: 'bob.mp4', size: 7 * MiB, part_size: 6 * MiB, storage_id: 's3' });
    const stolen = await bob.post(`/uploads/${mine.body.id}/parts/1/copy`, { source: { sha256: sha256Hex(a) }, range: `bytes=0-${6 * MiB - 1}` });
    expect(stolen.status).toBe(404);
    const unknown = await bob.post(`/uploads/${mine.body.id}/parts/1/copy`, { source: { sha256: sha256Hex(testBytes(5)) }, range: `bytes=0-${6 * MiB - 1}` });
    expect(unknown.status).toBe(404);
    expect(stolen.body.error).toBe(unknown.body.error);

    const alice = broker.v1('alice');
    const onAzure = await target(7 * MiB, 6 * MiB, 'azure');
    const across = await alice.post(`/uploads/${onAzure}/parts/1/copy`, { source: { sha256: sha256Hex(a) }, range: `bytes=0-${6 * MiB - 1}` });
    expect(across.status).toBe(409);
    expect(across.body.message).toMatch(/in storage s3 and this upload in azure/);

    const azureBlob = testBytes(7 * MiB);
    await alice.upload(azureBlob, { filename: 'az.mp4', storage_id: 'azure' });
    const azurite = await alice.post(`/uploads/${onAzure}/parts/1/copy`, { source: { sha256: sha256Hex(azureBlob) }, range: `bytes=0-${6 * MiB - 1}` });
    // Azurite 3.35 answers Put Block From URL with 501 NotImplemented; real Azure implements it.
    // The broker says so with a 501 of its own (no client retries that).
    expect(azurite.status).toBe(501);
    expect(azurite.body).toMatchObject({ error: 'store_unsupported', message: expect.stringMatching(/Azure Put Block From URL: this store does not implement it/) });
  });
});
