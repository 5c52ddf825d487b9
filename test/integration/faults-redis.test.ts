// Redis killed (SIGKILL) mid-upload and started again: while it is down every route that needs
// it answers 503 state_unavailable with Retry-After (never a 500, never a hang, the broker
// lives on); with AOF (appendfsync always) the restarted Redis holds every recorded part, so
// the upload resumes — only the missing parts are sent — and completes with the bytes intact,
// read back from the store. Without persistence the restarted Redis has forgotten the upload:
// the README's "Redis persistence" paragraph says so, and the last test proves it.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../scripts/servers/ports.js';
import { systemClock } from '../../src/domain/clock.js';
import type { UploadRepository } from '../../src/domain/ports.js';
import { connectRedis, createRedisRepository } from '../../src/state/redis.js';
import { buildBroker, freshStores, storageConfigs, type TestBroker, type TestStores } from '../support/broker.js';
import { resumeAndFinish, startOwnRedis, sha256, type OwnRedis } from '../support/faults.js';
import { MiB, md5b64, sendSigned, testBytes } from '../support/protocol-driver.js';
import { sha256Hex, type SignedPart } from '../support/v1-driver.js';

/** 503 state_unavailable with a Retry-After of at least a second: what a client retries on. */
function expectStateUnavailable(res: { status: number; body: unknown; headers: Record<string, string> }): void {
  expect(res.status, JSON.stringify(res.body)).toBe(503);
  expect(res.body).toEqual({ error: 'state_unavailable', message: expect.stringContaining('unavailable') });
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
}

// Timeouts: with one CPU hog beside them these tests took up to 27 s here, near vitest's default 30 s.
describe('Redis killed mid-upload', () => {
  let stores: TestStores;
  let redis: OwnRedis | undefined;
  let repo: UploadRepository | undefined;
  beforeAll(async () => {
    stores = await freshStores();
  }, 180_000);
  afterEach(async () => {
    await repo?.close();
    await redis?.stop();
    repo = undefined;
    redis = undefined;
  }, 180_000);

  async function brokerOn(appendfsync: 'always' | 'no'): Promise<{ broker: TestBroker; redis: OwnRedis }> {
    redis = await startOwnRedis({ appendfsync });
    repo = createRedisRepository({ redis: connectRedis(redis.url), clock: systemClock, keyPrefix: 'faults' });
    return { broker: buildBroker({ storages: storageConfigs(stores), repo }), redis };
  }

  it('PlaceOS, AOF always: 503 + Retry-After while down; after the restart the upload resumes with its parts and completes, bytes equal', async () => {
    const { broker, redis } = await brokerOn('always');
    const alice = broker.as('alice');
    const bytes = testBytes(11 * MiB + 4321);
    const upload = await alice.startChunked(bytes, { file_name: 'redis-killed.bin' });
    expect(upload.parts.length).toBeGreaterThanOrEqual(3);
    await alice.uploadParts(upload.id, upload.parts, [1, 2], upload.firstBody);

    await redis.kill();
    const third = upload.parts[2] as Buffer;
    expectStateUnavailable(await alice.patch(`/${upload.id}?part=3&file_id=${encodeURIComponent(md5b64(third))}`));
    expectStateUnavailable(await alice.post('/', { file_name: 'redis-killed.bin', file_size: bytes.length, file_id: md5b64(bytes) }));
    expectStateUnavailable(await alice.get(`/${upload.id}`));
    expectStateUnavailable(await alice.put(`/${upload.id}`));

    await redis.restart();
    // The client reconnects on its own (at most a second apart): the broker was never restarted.
    await waitUntil(async () => (await alice.get(`/${upload.id}`)).status === 200, { what: 'the broker to read the upload again', timeoutMs: 30_000, intervalMs: 100 });
    await resumeAndFinish(alice, bytes, 'redis-killed.bin', upload.id, upload.parts, [1, 2]);
  }, 180_000);

  it('API v1, AOF always: signing and completing answer 503 while down; afterwards the status shows the parts sent, the rest follow, 201, bytes equal', async () => {
    const { broker, redis } = await brokerOn('always');
    const alice = broker.v1('alice');
    const bytes = testBytes(11 * MiB + 99);
    const created = await alice.initiate({ filename: 'v1-redis-killed.bin', size: bytes.length, sha256: sha256Hex(bytes) });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const { id, part_size: partSize, part_count: partCount } = created.body as { id: string; part_size: number; part_count: number };
    expect(partCount).toBeGreaterThanOrEqual(3);
    const parts = Array.from({ length: partCount }, (_, i) => bytes.subarray(i * partSize, (i + 1) * partSize));
    const sign = (numbers: number[]) => alice.post(`/uploads/${id}/parts`, { parts: numbers.map((n) => ({ number: n, md5: md5b64(parts[n - 1] as Buffer) })) });
    const send = async (numbers: number[]) => {
      const signed = await sign(numbers);
      expect(signed.status, JSON.stringify(signed.body)).toBe(200);
      for (const p of signed.body.parts as SignedPart[]) {
        const res = await sendSigned({ verb: p.method, url: p.url, headers: p.headers }, parts[p.number - 1]);
        expect(res.status, await res.text()).toBe(200);
      }
    };
    await send([1, 2]);

    await redis.kill();
    expectStateUnavailable(await sign([3]));
    expectStateUnavailable(await alice.post(`/uploads/${id}/complete?digest=sha-256:${sha256Hex(bytes)}`));
    expectStateUnavailable(await alice.get(`/uploads/${id}`));

    await redis.restart();
    await waitUntil(async () => (await alice.get(`/uploads/${id}`)).status === 200, { what: 'the broker to read the upload again', timeoutMs: 30_000, intervalMs: 100 });
    const status = await alice.get(`/uploads/${id}/status`);
    expect(status.status).toBe(204);
    // The two parts sent before the outage are held by the store and known to the broker.
    expect(status.headers['range']).toBe(`bytes=0-${2 * partSize - 1}`);
    await send(Array.from({ length: partCount - 2 }, (_, i) => i + 3));
    const done = await alice.post(`/uploads/${id}/complete?digest=sha-256:${sha256Hex(bytes)}`);
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect(sha256(await alice.download(sha256Hex(bytes)))).toBe(sha256(bytes));
  }, 180_000);

  it('without persistence a restarted Redis has forgotten the upload: 404, and the same file starts afresh (what AOF prevents)', async () => {
    const { broker, redis } = await brokerOn('no');
    const alice = broker.as('alice');
    const bytes = testBytes(6 * MiB);
    const upload = await alice.startChunked(bytes, { file_name: 'forgotten.bin' });
    await alice.uploadParts(upload.id, upload.parts, [1], upload.firstBody);
    await redis.kill();
    await redis.restart();
    await waitUntil(async () => (await alice.get('/')).status === 200, { what: 'the broker to reach Redis again', timeoutMs: 30_000, intervalMs: 100 });
    const lost = await alice.get(`/${upload.id}`);
    expect(lost.status).toBe(404);
    const again = await alice.create(bytes, { file_name: 'forgotten.bin' });
    expect(again.type).toBe('chunked_upload');
    expect(again.upload_id).not.toBe(upload.id);
  }, 180_000);
});

