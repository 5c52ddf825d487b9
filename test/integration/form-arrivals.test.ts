// A form upload's client (Uppy with a POST policy) never tells the broker the
// object arrived. Besides looking on every read, the broker looks on a timer
// (main.ts runs checkFormArrivals): these tests run that timer's rounds by hand,
// with an injected clock, and read the repository directly — a read through the
// API would settle the record itself and prove nothing about the timer.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import request from 'supertest';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { buildBroker, freshStores, storageConfigs, USERS, type TestBroker, type TestStores } from '../support/broker.js';
import { s3ClientFor } from '../support/provision.js';
import { testBytes } from '../support/protocol-driver.js';

class TestClock {
  constructor(private ms: number) {}
  now = () => this.ms;
  advance(ms: number) {
    this.ms += ms;
  }
}

async function formUpload(broker: TestBroker, fileName: string) {
  const minted = await request(broker.app).post('/uppy/tokens').set('X-API-Key', USERS.alice.key).send({ storage_id: 's3' });
  expect(minted.status).toBe(201);
  const params = await request(broker.app).get(`${minted.body.endpoint}/s3/params`).query({ filename: fileName, type: 'application/octet-stream' });
  expect(params.status).toBe(200);
  const listed = await broker.repo.list({ tenant: USERS.alice.tenant, owner: USERS.alice.user, search: fileName, limit: 10, offset: 0 });
  expect(listed.items).toHaveLength(1);
  return { key: params.body.fields.key as string, id: listed.items[0]!.id };
}

describe('form uploads awaited by the broker', () => {
  let stores: TestStores;
  beforeAll(async () => {
    stores = await freshStores();
  });

  it('a round finds an arrived object, verifies its size, completes the record, and then forgets it', async () => {
    const clock = new TestClock(Date.now());
    const broker = buildBroker({ storages: storageConfigs(stores), clock });
    const { key, id } = await formUpload(broker, 'arrives.bin');
    expect(await broker.checkFormArrivals()).toBe(0);
    expect(await broker.repo.get(id)).toMatchObject({ state: 'pending', integrity: 'policy-size' });

    // The object lands in the store as the form would write it (Swift has no POST policy: put it directly).
    const bytes = testBytes(70_000);
    await s3ClientFor(inject('swift')).send(new PutObjectCommand({ Bucket: stores.s3.bucket, Key: key, Body: bytes }));
    expect(await broker.checkFormArrivals()).toBe(1);
    expect(await broker.repo.get(id)).toMatchObject({ state: 'complete', fileSize: bytes.length });
    // Complete uploads are no longer awaited.
    expect(await broker.checkFormArrivals()).toBe(0);
  });

  it('stops awaiting an upload once it has expired', async () => {
    const clock = new TestClock(Date.now());
    const broker = buildBroker({ storages: storageConfigs(stores), clock, limits: { uploadTtlMinutes: 1 } });
    const { key, id } = await formUpload(broker, 'never-arrives.bin');
    clock.advance(61_000);
    expect(await broker.checkFormArrivals()).toBe(0);
    // An object that turns up after expiry is not taken for the upload: nobody awaits it any more.
    await s3ClientFor(inject('swift')).send(new PutObjectCommand({ Bucket: stores.s3.bucket, Key: key, Body: testBytes(10) }));
    expect(await broker.checkFormArrivals()).toBe(0);
    expect(await broker.repo.get(id)).toMatchObject({ state: 'pending' });
  });
});
