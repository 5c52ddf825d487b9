// The sweeper against Swift's S3 API and Azurite, with an injected clock and no
// sleeping: an abandoned multipart upload (API v1 or PlaceOS) is aborted in the
// store and its record answers 410; two sweepers sharing one Redis race over the
// same uploads and handle each once; a temporary upload is readable for its
// lifetime and then gone from the store; activity keeps an upload from the sweep.
// Signatures carry the injected clock's time, so every request to the store is
// sent before the clock moves on.
import { HeadObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { UploadRepository } from '../../src/domain/ports.js';
import { buildBroker, freshStores, redisRepository, storageConfigs, type TestBroker, type TestStores } from '../support/broker.js';
import { s3ClientFor } from '../support/provision.js';
import { MiB, sendSigned, testBytes } from '../support/protocol-driver.js';
import { type SignedPart, type V1Client } from '../support/v1-driver.js';

const HOUR = 60 * 60_000;

class TestClock {
  constructor(private ms = Date.now()) {}
  now = () => this.ms;
  advance(ms: number) {
    this.ms += ms;
  }
}

/** Open multipart uploads of these keys in Swift. */
async function openS3Uploads(bucket: string, keys: string[]): Promise<number> {
  const s3 = s3ClientFor(inject('swift'));
  try {
    const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    return (listed.Uploads ?? []).filter((u) => keys.includes(u.Key ?? '')).length;
  } finally {
    s3.destroy();
  }
}

async function s3ObjectExists(bucket: string, key: string): Promise<boolean> {
  const s3 = s3ClientFor(inject('swift'));
  try {
    return await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(() => true, (error: { $metadata?: { httpStatusCode?: number } }) => {
      if (error.$metadata?.httpStatusCode === 404) return false;
      throw error;
    });
  } finally {
    s3.destroy();
  }
}

/** Blocks Azurite holds staged (uncommitted) under a name. */
async function stagedAzureBlocks(container: string, key: string): Promise<number> {
  const { endpoint, account, accountKey } = inject('azurite');
  const blob = new BlobServiceClient(endpoint, new StorageSharedKeyCredential(account, accountKey)).getContainerClient(container).getBlockBlobClient(key);
  return blob.getBlockList('uncommitted').then((list) => list.uncommittedBlocks?.length ?? 0, (error: { statusCode?: number }) => {
    if (error.statusCode === 404) return 0;
    throw error;
  });
}

async function keyOf(broker: TestBroker, id: string): Promise<string> {
  const record = await broker.repo.get(id);
  expect(record).toBeDefined();
  return record?.objectKey ?? '';
}

/** An API v1 multipart upload with its first part in the store, then left alone. */
async function abandonV1(client: V1Client, storageId: 's3' | 'azure'): Promise<string> {
  const created = await client.initiate({ filename: 'abandoned.bin', size: 11 * MiB, storage_id: storageId });
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  const signed = await client.post(`/uploads/${created.body.id}/parts`, { parts: [{ number: 1 }] });
  const [part] = signed.body.parts as SignedPart[];
  const sent = await sendSigned({ verb: part?.method ?? 'PUT', url: part?.url ?? '', headers: part?.headers ?? {} }, testBytes(created.body.part_size));
  expect(sent.status, await sent.text()).toBeLessThan(300);
  return created.body.id as string;
}

describe('the sweeper', () => {
  let stores: TestStores;
  const repos: UploadRepository[] = [];
  beforeAll(async () => {
    stores = await freshStores();
  });
  afterEach(async () => {
    await Promise.all(repos.splice(0).map((repo) => repo.close()));
  });

  it('aborts an abandoned S3 multipart upload in Swift once it has expired; its record then answers 410', async () => {
    const clock = new TestClock();
    const broker = buildBroker({ storages: storageConfigs(stores), clock, limits: { uploadTtlMinutes: 60 } });
    const alice = broker.v1('alice');
    const id = await abandonV1(alice, 's3');
    const key = await keyOf(broker, id);
    expect(await openS3Uploads(stores.s3.bucket, [key])).toBe(1);
    expect(await broker.sweep('only')).toEqual({ expired: 0, released: 0 });
    expect(await openS3Uploads(stores.s3.bucket, [key])).toBe(1);

    clock.advance(HOUR + 1000);
    expect(await broker.sweep('only')).toEqual({ expired: 1, released: 0 });
    expect(await openS3Uploads(stores.s3.bucket, [key])).toBe(0);
    expect((await alice.get(`/uploads/${id}`)).body.state).toBe('expired');
    for (const res of [await alice.post(`/uploads/${id}/parts`, { parts: [{ number: 2 }] }), await alice.post(`/uploads/${id}/complete`)]) {
      expect(res.status, JSON.stringify(res.body)).toBe(410);
      expect(res.body).toEqual({ error: 'expired', message: expect.any(String) });
    }
    expect(await broker.sweep('only')).toEqual({ expired: 0, released: 0 });
  });

  it('two sweepers racing over one Redis handle each abandoned upload once', async () => {
    const clock = new TestClock();
    const prefix = `sweep-race-${Date.now()}`;
    const [repoA, repoB] = [redisRepository(prefix, clock), redisRepository(prefix, clock)];
    repos.push(repoA, repoB);
    const limits = { uploadTtlMinutes: 60 };
    const a = buildBroker({ storages: storageConfigs(stores), repo: repoA, clock, limits });
    const b = buildBroker({ storages: storageConfigs(stores), repo: repoB, clock, limits });
    const ids = [
      await abandonV1(a.v1('alice'), 's3'), await abandonV1(a.v1('bob'), 's3'), await abandonV1(b.v1('carol'), 's3'),
      await abandonV1(a.v1('alice'), 'azure'), await abandonV1(b.v1('bob'), 'azure'),
    ];
    const s3Keys = await Promise.all(ids.slice(0, 3).map((id) => keyOf(a, id)));
    const azureKeys = await Promise.all(ids.slice(3).map((id) => keyOf(b, id)));
    expect(await openS3Uploads(stores.s3.bucket, s3Keys)).toBe(3);
    for (const key of azureKeys) expect(await stagedAzureBlocks(stores.azure.container, key)).toBe(1);

    clock.advance(HOUR + 1000);
    const [one, two] = await Promise.all([a.sweep('process-one'), b.sweep('process-two')]);
    expect(one.expired + two.expired).toBe(ids.length);
    expect(one.released + two.released).toBe(0);
    expect(await openS3Uploads(stores.s3.bucket, s3Keys)).toBe(0);
    for (const key of azureKeys) expect(await stagedAzureBlocks(stores.azure.container, key)).toBe(0);
    for (const id of ids) expect((await repoB.get(id))?.state).toBe('expired');
    const [again, twice] = await Promise.all([a.sweep('process-one'), b.sweep('process-two')]);
    expect(again.expired + twice.expired).toBe(0);
  });

  it('sweeps an abandoned PlaceOS chunked upload too: Swift forgets it, the record answers 410', async () => {
    const clock = new TestClock();
    const broker = buildBroker({ storages: storageConfigs(stores), clock, limits: { uploadTtlMinutes: 60 } });
    const alice = broker.as('alice');
    const bytes = testBytes(11 * MiB);
    const { id, parts, firstBody } = await alice.startChunked(bytes, { file_name: 'placeos.bin', storage_id: 's3' });
    await alice.uploadParts(id, parts, [1], firstBody);
    const key = await keyOf(broker, id);
    expect(await openS3Uploads(stores.s3.bucket, [key])).toBe(1);

    clock.advance(HOUR + 1000);
    expect(await broker.sweep('only')).toEqual({ expired: 1, released: 0 });
    expect(await openS3Uploads(stores.s3.bucket, [key])).toBe(0);
    expect((await alice.get(`/${id}`)).body.state).toBe('expired');
    expect((await alice.put(`/${id}`)).status).toBe(410);
  });

  it('a temporary upload is readable for its lifetime; a sweep past it deletes the object and the upload answers 410', async () => {
    const clock = new TestClock();
    const broker = buildBroker({ storages: storageConfigs(stores), clock, limits: { temporaryTtlMinutes: 1 } });
    const alice = broker.v1('alice');
    const bytes = testBytes(50_000);
    const done = await alice.upload(bytes, { filename: 'preview.jpg', temporary: true });
    const key = await keyOf(broker, done.id);
    expect((await alice.get(`/uploads/${done.id}`)).body).toMatchObject({ state: 'complete', temporary: true, delete_at: new Date(clock.now() + 60_000).toISOString() });

    clock.advance(50_000);
    expect(await broker.sweep('only')).toEqual({ expired: 0, released: 0 });
    expect((await alice.download(done.sha256)).equals(bytes)).toBe(true);
    expect(await s3ObjectExists(stores.s3.bucket, key)).toBe(true);

    clock.advance(11_000);
    expect(await broker.sweep('only')).toEqual({ expired: 0, released: 1 });
    expect(await s3ObjectExists(stores.s3.bucket, key)).toBe(false);
    expect((await alice.get(`/uploads/${done.id}`)).body.state).toBe('expired');
    const complete = await alice.post(`/uploads/${done.id}/complete`);
    expect(complete.status, JSON.stringify(complete.body)).toBe(410);
    expect((await broker.as('alice').get(`/${done.id}/url`)).status).toBe(410);
    // Nothing serves the digest, and nothing offers it for dedupe.
    expect((await alice.get(`/blobs/${done.sha256}`)).status).toBe(404);
    expect((await alice.initiate({ filename: 'preview.jpg', size: bytes.length, sha256: done.sha256 })).status).toBe(202);
    expect(await broker.sweep('only')).toEqual({ expired: 0, released: 0 });
  });

  it('a temporary upload whose object another record shares: the sweep lets go of it, the object stays for the other', async () => {
    const clock = new TestClock();
    const broker = buildBroker({ storages: storageConfigs(stores), clock, limits: { temporaryTtlMinutes: 1 } });
    const alice = broker.v1('alice');
    const bytes = testBytes(40_000);
    const temporary = await alice.upload(bytes, { filename: 'draft.png', temporary: true });
    const kept = await alice.initiate({ filename: 'final.png', size: bytes.length, sha256: temporary.sha256 });
    expect(kept.status, JSON.stringify(kept.body)).toBe(200);
    const key = await keyOf(broker, temporary.id);
    expect(await keyOf(broker, kept.body.id)).toBe(key);

    clock.advance(61_000);
    expect(await broker.sweep('only')).toEqual({ expired: 0, released: 1 });
    expect((await alice.get(`/uploads/${temporary.id}`)).body.state).toBe('expired');
    expect((await alice.get(`/uploads/${kept.body.id}`)).body.state).toBe('complete');
    expect(await s3ObjectExists(stores.s3.bucket, key)).toBe(true);
    expect((await alice.download(temporary.sha256)).equals(bytes)).toBe(true);
    // DELETE of the swept (expired) temporary record leaves the object the complete record holds.
    expect((await alice.delete(`/uploads/${temporary.id}`)).status).toBe(204);
    expect(await s3ObjectExists(stores.s3.bucket, key)).toBe(true);
    expect((await alice.download(temporary.sha256)).equals(bytes)).toBe(true);
  });

  it('an upload whose expiry moved on with activity is not swept until the new expiry passes', async () => {
    const clock = new TestClock();
    const broker = buildBroker({ storages: storageConfigs(stores), clock, limits: { uploadTtlMinutes: 60 } });
    const alice = broker.v1('alice');
    const id = await abandonV1(alice, 's3');
    const key = await keyOf(broker, id);

    clock.advance(50 * 60_000);
    // Signing a part is activity (the signature itself is never sent: it carries the moved clock).
    expect((await alice.post(`/uploads/${id}/parts`, { parts: [{ number: 2 }] })).status).toBe(200);
    clock.advance(20 * 60_000);
    expect(await broker.sweep('only')).toEqual({ expired: 0, released: 0 });
    expect(await openS3Uploads(stores.s3.bucket, [key])).toBe(1);
    expect((await alice.get(`/uploads/${id}`)).body.state).toBe('uploading');

    clock.advance(41 * 60_000);
    expect(await broker.sweep('only')).toEqual({ expired: 1, released: 0 });
    expect(await openS3Uploads(stores.s3.bucket, [key])).toBe(0);
  });
});
