// A signature costs one round trip because each broker checks against the record it last read
// or signed (domain/recent-records.ts) and lets the repository's atomic step check again what
// may have changed. These tests make that copy stale on purpose — another broker on the same
// Redis aborts, finishes or lets the upload expire — and expect the broker holding the stale
// copy to answer exactly as a broker reading the record afresh, recording nothing.
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBroker, freshStores, redisRepository, storageConfigs, type TestBroker, type TestStores } from '../support/broker.js';
import { MiB } from '../support/protocol-driver.js';

const md5 = (n: number) => Buffer.alloc(16, n).toString('base64');

function clock() {
  let time = Date.now();
  return { now: () => time, advance: (ms: number) => void (time += ms) };
}

/** Two brokers sharing one Redis and one clock: `stale` signs first (and keeps the record), `fresh` has never seen it. */
function twoBrokers(stores: TestStores) {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const time = clock();
  const open = (): TestBroker => buildBroker({ storages: storageConfigs(stores), repo: redisRepository(prefix, time), clock: time });
  const third = open();
  return { stale: open(), fresh: open(), other: third, time };
}

describe('a part signature against a record another broker changed', () => {
  let stores: TestStores;
  beforeAll(async () => {
    stores = await freshStores();
  });

  async function placeosUpload(broker: TestBroker) {
    const created = await broker.as('alice').post('/', { file_name: 'stale.bin', file_size: 20 * MiB, file_id: md5(0), storage_id: 'azure' });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const id = String(created.body.upload_id);
    const first = await broker.as('alice').patch(`/${id}?part=1&file_id=${encodeURIComponent(md5(1))}`);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    return id;
  }

  async function v1Upload(broker: TestBroker) {
    const created = await broker.v1('alice').initiate({ filename: 'stale.bin', size: 20 * MiB, storage_id: 's3' });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const id = String(created.body.id);
    const first = await broker.v1('alice').post(`/uploads/${id}/parts`, { parts: [{ number: 1, md5: md5(1) }] });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    return id;
  }

  it('PlaceOS PATCH: aborted or expired elsewhere, the same refusal as a fresh broker, and no part recorded', async () => {
    for (const change of ['abort', 'expire'] as const) {
      const { stale, fresh, other, time } = twoBrokers(stores);
      const id = await placeosUpload(stale);
      if (change === 'abort') expect((await other.as('alice').delete(`/${id}`)).status).toBeLessThan(300);
      else time.advance(25 * 3_600_000);
      const before = [await other.repo.get(id), await other.repo.listParts(id)];
      const path = `/${id}?part=2&file_id=${encodeURIComponent(md5(2))}`;
      const [fromStale, fromFresh] = [await stale.as('alice').patch(path), await fresh.as('alice').patch(path)];
      expect(fromStale.status, change).toBeGreaterThanOrEqual(400);
      expect(fromStale.status, change).toBeLessThan(500);
      expect({ status: fromStale.status, body: fromStale.body }, change).toStrictEqual({ status: fromFresh.status, body: fromFresh.body });
      expect([await other.repo.get(id), await other.repo.listParts(id)], change).toStrictEqual(before);
    }
  });

  it('API v1 batch: destroyed or expired elsewhere, the same refusal as a fresh broker, and no part recorded', async () => {
    for (const change of ['destroy', 'expire'] as const) {
      const { stale, fresh, other, time } = twoBrokers(stores);
      const id = await v1Upload(stale);
      if (change === 'destroy') expect((await other.v1('alice').delete(`/uploads/${id}`)).status).toBe(204);
      else time.advance(25 * 3_600_000);
      const before = [await other.repo.get(id), await other.repo.listParts(id)];
      const body = { parts: [{ number: 2, md5: md5(2) }, { number: 3, md5: md5(3) }] };
      const [fromStale, fromFresh] = [await stale.v1('alice').post(`/uploads/${id}/parts`, body), await fresh.v1('alice').post(`/uploads/${id}/parts`, body)];
      expect(fromStale.status, change).toBeGreaterThanOrEqual(400);
      expect(fromStale.status, change).toBeLessThan(500);
      expect({ status: fromStale.status, body: fromStale.body }, change).toStrictEqual({ status: fromFresh.status, body: fromFresh.body });
      expect([await other.repo.get(id), await other.repo.listParts(id)], change).toStrictEqual(before);
    }
  });

  it('API v1 batch: another broker\'s signatures and activity are kept, and the answer names the multipart id the store has', async () => {
    const { stale, other } = twoBrokers(stores);
    const id = await v1Upload(stale);
    const again = await other.v1('alice').post(`/uploads/${id}/parts`, { parts: [{ number: 2, md5: md5(2) }] });
    expect(again.status).toBe(200);
    const batch = await stale.v1('alice').post(`/uploads/${id}/parts`, { parts: [{ number: 3, md5: md5(3) }, { number: 4, sha256: 'ab'.repeat(32) }] });
    expect(batch.status, JSON.stringify(batch.body)).toBe(200);
    const record = await other.repo.get(id);
    expect(record?.state).toBe('uploading');
    expect(String(batch.body.parts[0].url)).toContain(encodeURIComponent(String(record?.resumableId)));
    // Part 4 binds no MD5: nothing to record for it.
    expect((await other.repo.listParts(id)).map((p) => [p.part, p.md5])).toEqual([[1, md5(1)], [2, md5(2)], [3, md5(3)]]);
  });
});
