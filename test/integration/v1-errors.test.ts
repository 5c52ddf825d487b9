// API v1's documented errors against Swift's S3 API and Azurite: bad input (400
// {error, message}), another user's or tenant's upload answering exactly like an
// unknown one (404), upload tokens confined to their upload, parts missing or of
// the wrong size at complete (409), expiry (410, injected clock), destroy leaving
// nothing in the store, blobs by digest, and a storage that records declared digests.
import { HeadObjectCommand, ListMultipartUploadsCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { buildBroker, freshStores, storageConfigs, type TestBroker, type TestStores } from '../support/broker.js';
import { s3ClientFor } from '../support/provision.js';
import { md5b64, MiB, sendSigned, testBytes } from '../support/protocol-driver.js';
import { sha256Hex, V1Client, type SignedPart } from '../support/v1-driver.js';

/** An error answer: exactly {error, message}. */
function expectError(res: { status: number; body: unknown }, status: number, error: string, message?: RegExp) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toEqual({ error, message: message === undefined ? expect.any(String) : expect.stringMatching(message) });
}

/** What Swift holds under a key: open multipart uploads of it, and whether the object exists. */
async function s3Holds(bucket: string, key: string) {
  const s3 = s3ClientFor(inject('swift'));
  try {
    const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
    const object = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(() => true, (error: { $metadata?: { httpStatusCode?: number } }) => {
      if (error.$metadata?.httpStatusCode === 404) return false;
      throw error;
    });
    return { uploads: (listed.Uploads ?? []).filter((u) => u.Key === key).length, object };
  } finally {
    s3.destroy();
  }
}

/** What Azurite holds under a name: staged (uncommitted) blocks, and whether the blob exists. */
async function azureHolds(container: string, key: string) {
  const { endpoint, account, accountKey } = inject('azurite');
  const blob = new BlobServiceClient(endpoint, new StorageSharedKeyCredential(account, accountKey)).getContainerClient(container).getBlockBlobClient(key);
  const staged = await blob.getBlockList('uncommitted').then((list) => list.uncommittedBlocks?.length ?? 0, (error: { statusCode?: number }) => {
    if (error.statusCode === 404) return 0;
    throw error;
  });
  return { blocks: staged, exists: await blob.exists() };
}

async function objectKey(broker: TestBroker, id: string): Promise<string> {
  const record = await broker.repo.get(id);
  expect(record).toBeDefined();
  return record?.objectKey ?? '';
}

/** Signs the given parts of an upload (without digests) and returns the signatures by number. */
async function sign(client: V1Client, id: string, numbers: number[]): Promise<Map<number, SignedPart>> {
  const signed = await client.post(`/uploads/${id}/parts`, { parts: numbers.map((number) => ({ number })) });
  expect(signed.status, JSON.stringify(signed.body)).toBe(200);
  return new Map((signed.body.parts as SignedPart[]).map((p) => [p.number, p]));
}

async function send(part: SignedPart | undefined, bytes: Buffer): Promise<void> {
  expect(part).toBeDefined();
  const res = await sendSigned({ verb: part?.method ?? 'PUT', url: part?.url ?? '', headers: part?.headers ?? {} }, bytes);
  expect(res.status, await res.text()).toBeLessThan(300);
}

describe('API v1 errors', () => {
  let stores: TestStores;
  beforeAll(async () => {
    stores = await freshStores();
  });

  it('initiate: filename in the body or the query, and bad fields refused with 400 {error, message}', async () => {
    const alice = buildBroker({ storages: storageConfigs(stores) }).v1('alice');
    expectError(await alice.initiate({ size: 10 }), 400, 'bad_request', /filename/);
    const byQuery = await alice.post('/uploads?filename=from-query.txt&temporary=true', { size: 10 });
    expect(byQuery.status, JSON.stringify(byQuery.body)).toBe(202);
    expect((await alice.get(`/uploads/${byQuery.body.id}`)).body).toMatchObject({ filename: 'from-query.txt', size: 10, state: 'pending', temporary: true });
    expect((await alice.get(`/uploads/${(await alice.initiate({ filename: 'kept.txt', size: 10 })).body.id}`)).body.temporary).toBe(false);
    expectError(await alice.initiate({ filename: 'a.txt', size: 10, sha256: 'abc' }), 400, 'bad_request', /sha256/);
    expectError(await alice.initiate({ filename: 'a.txt', size: -1 }), 400, 'bad_request', /size/);
    expectError(await alice.initiate({ filename: 'a.txt', size: 10, colour: 'red' }), 400, 'bad_request', /additional properties/);
    expectError(await alice.post('/uploads?filename=a.txt&colour=red', { size: 10 }), 400, 'bad_request', /additional properties/);

    const split = buildBroker({ storages: storageConfigs(stores, { s3: { tenants: ['acme'] }, azure: { tenants: ['other'] } }) });
    expectError(await split.v1('alice').initiate({ filename: 'a.txt', size: 10, storage_id: 'azure' }), 400, 'bad_request', /storage "azure" is not a storage you may use/);
    expect((await split.v1('carol').initiate({ filename: 'a.txt', size: 10, storage_id: 'azure' })).status).toBe(202);
  });

  it('parts: a number of 0, beyond the plan, listed twice, or a bad MD5 → 400', async () => {
    const alice = buildBroker({ storages: storageConfigs(stores) }).v1('alice');
    const created = await alice.initiate({ filename: 'three.bin', size: 11 * MiB });
    expect(created.body).toMatchObject({ strategy: 'multipart', part_count: 3 });
    const parts = (list: object[]) => alice.post(`/uploads/${created.body.id}/parts`, { parts: list });
    expectError(await parts([{ number: 0 }]), 400, 'bad_request');
    expectError(await parts([{ number: 4 }]), 400, 'bad_request', /part 4 .*parts 1 to 3/);
    expectError(await parts([{ number: 2 }, { number: 2 }]), 400, 'bad_request', /part 2 is listed twice/);
    expectError(await parts([{ number: 1, md5: 'not an md5' }]), 400, 'bad_request', /parts\[0\]\.md5/);
    expectError(await parts([]), 400, 'bad_request');
    expect((await parts([{ number: 3, md5: md5b64(Buffer.from('x')) }])).status).toBe(200);
    const single = await alice.initiate({ filename: 'one.txt', size: 10 });
    expectError(await alice.post(`/uploads/${single.body.id}/parts`, { parts: [{ number: 2 }] }), 400, 'bad_request', /parts 1 to 1/);
  });

  it("another user's or another tenant's upload answers 404, exactly like an unknown id, and is left alone", async () => {
    const broker = buildBroker({ storages: storageConfigs(stores) });
    const created = await broker.v1('alice').initiate({ filename: 'mine.bin', size: 11 * MiB });
    const id = created.body.id as string;
    const unknown = 'uploads-AAAAAAAAAAAAAAAAAAAAAA';
    const calls = (client: V1Client, target: string) => [
      client.post(`/uploads/${target}/parts`, { parts: [{ number: 1 }] }),
      client.post(`/uploads/${target}/complete`),
      client.get(`/uploads/${target}/status`),
      client.get(`/uploads/${target}`),
      client.post(`/uploads/${target}/destroy`),
      client.delete(`/uploads/${target}`),
    ];
    const asUnknown = await Promise.all(calls(broker.v1('alice'), unknown));
    for (const user of ['bob', 'carol'] as const) {
      const answers = await Promise.all(calls(broker.v1(user), id));
      for (const [index, answer] of answers.entries()) {
        expectError(answer, 404, 'not_found');
        expect({ ...answer.body, message: answer.body.message.replace(id, '<id>') }).toEqual({ ...asUnknown[index]?.body, message: asUnknown[index]?.body.message.replace(unknown, '<id>') });
      }
    }
    expect((await broker.v1('alice').get(`/uploads/${id}`)).body.state).toBe('pending');
    expect((await broker.v1('alice').post(`/uploads/${id}/parts`, { parts: [{ number: 1 }] })).status).toBe(200);
  });

  it("an upload token acts on its own upload only: A's on B → 404, on A → works, on POST /uploads → 403", async () => {
    const broker = buildBroker({ storages: storageConfigs(stores) });
    const alice = broker.v1('alice');
    const [a, b] = await Promise.all([alice.initiate({ filename: 'a.txt', size: 10 }), alice.initiate({ filename: 'b.txt', size: 10 })]);
    for (const header of ['X-Upload-Token', 'Upload-Token']) {
      const holder = new V1Client(broker.app, { [header]: a.body.upload_token });
      expectError(await holder.post(`/uploads/${b.body.id}/parts`, { parts: [{ number: 1 }] }), 404, 'not_found');
      expectError(await holder.post(`/uploads/${b.body.id}/complete`), 404, 'not_found');
      expectError(await holder.get(`/uploads/${b.body.id}/status`), 404, 'not_found');
      expectError(await holder.get(`/uploads/${b.body.id}`), 404, 'not_found');
      expectError(await holder.delete(`/uploads/${b.body.id}`), 404, 'not_found');
      expect((await holder.post(`/uploads/${a.body.id}/parts`, { parts: [{ number: 1 }] })).status).toBe(200);
      expect((await holder.get(`/uploads/${a.body.id}/status`)).status).toBe(204);
      expect((await holder.get(`/uploads/${a.body.id}`)).body).toMatchObject({ id: a.body.id, filename: 'a.txt' });
      expectError(await holder.initiate({ filename: 'c.txt', size: 10 }), 403, 'forbidden');
      expectError(await holder.post('/upload-sessions', { blobs: [{ sha256: sha256Hex(testBytes(10)), size: 10 }] }), 403, 'forbidden');
    }
    expect((await alice.get(`/uploads/${b.body.id}`)).body.state).toBe('pending');
  });

  it('complete before every part is in the store → 409 naming the part; then it completes (S3)', async () => {
    const alice = buildBroker({ storages: storageConfigs(stores) }).v1('alice');
    const bytes = testBytes(11 * MiB);
    const created = await alice.initiate({ filename: 'gap.bin', size: bytes.length });
    const signed = await sign(alice, created.body.id, [1, 2, 3]);
    const parts = [bytes.subarray(0, 5 * MiB), bytes.subarray(5 * MiB, 10 * MiB), bytes.subarray(10 * MiB)];
    await send(signed.get(1), parts[0] as Buffer);
    await send(signed.get(3), parts[2] as Buffer);
    expectError(await alice.post(`/uploads/${created.body.id}/complete`), 409, 'conflict', /part 2 of upload .* is not in the store/);
    expect((await alice.get(`/uploads/${created.body.id}`)).body.state).toBe('uploading');
    await send(signed.get(2), parts[1] as Buffer);
    const done = await alice.post(`/uploads/${created.body.id}/complete?digest=sha-256:${sha256Hex(bytes)}`);
    expect(done.status, JSON.stringify(done.body)).toBe(201);
  });

  it('complete with a part of the wrong size in the store → 409 naming it (Azure block by its signed URL; S3 part put beside the broker)', async () => {
    const broker = buildBroker({ storages: storageConfigs(stores) });
    const alice = broker.v1('alice');
    const size = 9 * MiB;
    const azure = await alice.initiate({ filename: 'short.bin', size, storage_id: 'azure' });
    const { part_size: partSize, part_count: partCount } = azure.body as { part_size: number; part_count: number };
    expect(partCount).toBeGreaterThan(1);
    const numbers = Array.from({ length: partCount }, (_, i) => i + 1);
    const azureSigned = await sign(alice, azure.body.id, numbers);
    for (const number of numbers) {
      const planned = number < partCount ? partSize : size - partSize * (partCount - 1);
      await send(azureSigned.get(number), testBytes(number === 1 ? 1000 : planned));
    }
    expectError(await alice.post(`/uploads/${azure.body.id}/complete`), 409, 'conflict', new RegExp(`part 1 of upload .* has 1000 bytes in the store, the plan says ${partSize}`));

    // S3 binds each part's length into its URL, so the short part goes in with the SDK.
    const s3 = await alice.initiate({ filename: 'short.bin', size: 6 * MiB });
    expect(s3.body.part_count).toBe(2);
    const s3Signed = await sign(alice, s3.body.id, [1, 2]);
    await send(s3Signed.get(1), testBytes(s3.body.part_size));
    const record = await broker.repo.get(s3.body.id);
    const client = s3ClientFor(inject('swift'));
    await client.send(new UploadPartCommand({ Bucket: stores.s3.bucket, Key: record?.objectKey, UploadId: record?.resumableId, PartNumber: 2, Body: testBytes(1000) }));
    client.destroy();
    expectError(await alice.post(`/uploads/${s3.body.id}/complete`), 409, 'conflict', new RegExp(`part 2 of upload .* has 1000 bytes in the store, the plan says ${6 * MiB - s3.body.part_size}`));
  });

  it('an upload past its expiry (injected clock) → 410 on parts and complete', async () => {
    let now = Date.now();
    const alice = buildBroker({ storages: storageConfigs(stores), clock: { now: () => now }, limits: { uploadTtlMinutes: 60 } }).v1('alice');
    const created = await alice.initiate({ filename: 'late.bin', size: 11 * MiB });
    now += 59 * 60_000;
    expect((await alice.post(`/uploads/${created.body.id}/parts`, { parts: [{ number: 1 }] })).status).toBe(200);
    now += 61 * 60_000;
    expectError(await alice.post(`/uploads/${created.body.id}/parts`, { parts: [{ number: 2 }] }), 410, 'expired');
    expectError(await alice.post(`/uploads/${created.body.id}/complete`), 410, 'expired');
    expect((await alice.get(`/uploads/${created.body.id}`)).body.state).toBe('expired');
  });

  it('destroy → 204 and Swift holds nothing of it (no multipart upload, no object); again → 204', async () => {
    const broker = buildBroker({ storages: storageConfigs(stores) });
    const alice = broker.v1('alice');
    const open = await alice.initiate({ filename: 'open.bin', size: 11 * MiB });
    await send((await sign(alice, open.body.id, [1])).get(1), testBytes(5 * MiB));
    const openKey = await objectKey(broker, open.body.id);
    expect(await s3Holds(stores.s3.bucket, openKey)).toEqual({ uploads: 1, object: false });
    expect((await alice.delete(`/uploads/${open.body.id}`)).status).toBe(204);
    expect(await s3Holds(stores.s3.bucket, openKey)).toEqual({ uploads: 0, object: false });
    expect((await alice.delete(`/uploads/${open.body.id}`)).status).toBe(204);
    expect((await alice.post(`/uploads/${open.body.id}/destroy`)).status).toBe(204);
    expect((await alice.get(`/uploads/${open.body.id}`)).body.state).toBe('aborted');

    const done = await alice.upload(testBytes(1000), { filename: 'done.txt' });
    const doneKey = await objectKey(broker, done.id);
    expect(await s3Holds(stores.s3.bucket, doneKey)).toEqual({ uploads: 0, object: true });
    expect((await alice.post(`/uploads/${done.id}/destroy`)).status).toBe(204);
    expect(await s3Holds(stores.s3.bucket, doneKey)).toEqual({ uploads: 0, object: false });
    expect((await alice.post(`/uploads/${done.id}/destroy`)).status).toBe(204);
    expect((await alice.get(`/blobs/${done.sha256}`)).status).toBe(404);
  });

  it('destroy → 204 and Azurite holds nothing of it (no staged block, no blob); again → 204', async () => {
    const broker = buildBroker({ storages: storageConfigs(stores) });
    const alice = broker.v1('alice');
    const open = await alice.initiate({ filename: 'open.bin', size: 9 * MiB, storage_id: 'azure' });
    await send((await sign(alice, open.body.id, [1])).get(1), testBytes(4 * MiB));
    const openKey = await objectKey(broker, open.body.id);
    expect(await azureHolds(stores.azure.container, openKey)).toEqual({ blocks: 1, exists: false });
    expect((await alice.post(`/uploads/${open.body.id}/destroy`)).status).toBe(204);
    expect(await azureHolds(stores.azure.container, openKey)).toEqual({ blocks: 0, exists: false });
    expect((await alice.post(`/uploads/${open.body.id}/destroy`)).status).toBe(204);

    const done = await alice.upload(testBytes(1000), { filename: 'done.txt', storage_id: 'azure' });
    const doneKey = await objectKey(broker, done.id);
    expect(await azureHolds(stores.azure.container, doneKey)).toEqual({ blocks: 0, exists: true });
    expect((await alice.delete(`/uploads/${done.id}`)).status).toBe(204);
    expect(await azureHolds(stores.azure.container, doneKey)).toEqual({ blocks: 0, exists: false });
    expect((await alice.delete(`/uploads/${done.id}`)).status).toBe(204);
  });

  it('GET /blobs/:digest: malformed → 400, unknown or not yours → 404, HEAD and GET → 303 to the bytes', async () => {
    const broker = buildBroker({ storages: storageConfigs(stores) });
    const alice = broker.v1('alice');
    const bytes = testBytes(1000);
    const done = await alice.upload(bytes, { filename: 'poster.png' });
    expectError(await alice.get('/blobs/not-a-digest'), 400, 'bad_request', /digest/);
    expectError(await alice.get(`/blobs/sha256:${done.sha256.slice(1)}`), 400, 'bad_request');
    expectError(await alice.get(`/blobs/sha256:${sha256Hex(testBytes(10))}`), 404, 'not_found');
    expectError(await broker.v1('bob').get(`/blobs/${done.sha256}`), 404, 'not_found');
    expectError(await broker.v1('carol').get(`/blobs/${done.sha256}`), 404, 'not_found');
    const head = await alice.head(`/blobs/sha-256:${done.sha256}`);
    expect(head.status).toBe(303);
    expect(head.headers['location']).toMatch(/^http/);
    const got = await alice.get(`/blobs/sha256:${done.sha256}`);
    expect(got.status).toBe(303);
    const stored = await fetch(got.headers['location'] as string);
    expect(stored.headers.get('content-disposition')).toMatch(/poster\.png/);
    expect(Buffer.from(await stored.arrayBuffer()).equals(bytes)).toBe(true);
    expect((await alice.download(done.sha256)).equals(bytes)).toBe(true);
  });

  it("a storage of declared digests: complete needs one (400 without), says 'declared', and never offers the blob for dedupe", async () => {
    const alice = buildBroker({ storages: storageConfigs(stores, { s3: { verification: 'declared' } }) }).v1('alice');
    const bytes = testBytes(1000);
    const created = await alice.initiate({ filename: 'claimed.bin', size: bytes.length });
    await send((await sign(alice, created.body.id, [1])).get(1), bytes);
    expectError(await alice.post(`/uploads/${created.body.id}/complete`), 400, 'bad_request', /digest=sha-256/);
    const done = await alice.post(`/uploads/${created.body.id}/complete?digest=sha-256:${sha256Hex(bytes)}`);
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect(done.body).toEqual({ id: created.body.id, sha256: sha256Hex(bytes), size: bytes.length, verified: 'declared' });
    expect((await alice.get(`/uploads/${created.body.id}`)).body).toMatchObject({ state: 'complete', verified: 'declared' });
    const again = await alice.initiate({ filename: 'claimed.bin', size: bytes.length, sha256: sha256Hex(bytes) });
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    expect(again.body.already_present).toBeUndefined();
  });
});
