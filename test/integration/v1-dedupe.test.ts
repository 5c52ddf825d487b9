// Dedupe in API v1 against Swift's S3 API and Azurite: initiating the SHA-256
// and size of a verified blob the caller may share answers 200 already_present
// with a new complete record and nothing to sign. Scoped by the storage — the
// owner's own blobs by default, the tenant's when configured, never another
// tenant's, never when off — and counted: records sharing an object keep it
// until the last one lets go, then the object leaves the store.
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { StorageConfig } from '../../src/config.js';
import { buildBroker, freshStores, storageConfigs, type TestBroker, type TestStores } from '../support/broker.js';
import { s3ClientFor } from '../support/provision.js';
import { testBytes } from '../support/protocol-driver.js';
import { sha256Hex } from '../support/v1-driver.js';

type StorageId = 's3' | 'azure';

/** Whether the store holds the object, asked with the store's own SDK and credentials. */
async function objectExists(stores: TestStores, storageId: StorageId, key: string): Promise<boolean> {
  if (storageId === 'azure') {
    const { endpoint, account, accountKey } = inject('azurite');
    return new BlobServiceClient(endpoint, new StorageSharedKeyCredential(account, accountKey)).getContainerClient(stores.azure.container).getBlobClient(key).exists();
  }
  const s3 = s3ClientFor(inject('swift'));
  try {
    return await s3.send(new HeadObjectCommand({ Bucket: stores.s3.bucket, Key: key })).then(() => true, (error: { $metadata?: { httpStatusCode?: number } }) => {
      if (error.$metadata?.httpStatusCode === 404) return false;
      throw error;
    });
  } finally {
    s3.destroy();
  }
}

async function objectKey(broker: TestBroker, id: string): Promise<string> {
  const record = await broker.repo.get(id);
  expect(record?.objectKey).toBeDefined();
  return record?.objectKey ?? '';
}

describe.each(['s3', 'azure'] as const)('API v1 dedupe on %s', (storageId) => {
  let stores: TestStores;
  beforeAll(async () => {
    stores = await freshStores();
  });
  const brokerWith = (setting: Partial<StorageConfig> = {}) => buildBroker({ storages: storageConfigs(stores, { [storageId]: setting }) });

  it('the same owner initiating a verified blob: 200 already_present, a new complete record, nothing to sign', async () => {
    const broker = brokerWith();
    const alice = broker.v1('alice');
    const bytes = testBytes(70_000);
    const first = await alice.upload(bytes, { filename: 'loop.mp4', storage_id: storageId });
    expect(first.verified).toBe('read-back');

    const again = await alice.initiate({ filename: 'again.mp4', size: bytes.length, sha256: sha256Hex(bytes), storage_id: storageId });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body).toEqual({
      id: expect.any(String), already_present: true,
      blob: { sha256: sha256Hex(bytes), size: bytes.length, mime: 'video/mp4', key: await objectKey(broker, first.id) },
    });
    expect(again.body.id).not.toBe(first.id);
    expect(again.headers['upload-id']).toBe(again.body.id);
    expect(again.headers['upload-token']).toBeUndefined();
    const record = await alice.get(`/uploads/${again.body.id}`);
    expect(record.body).toMatchObject({ id: again.body.id, filename: 'again.mp4', state: 'complete', sha256: sha256Hex(bytes), size: bytes.length, verified: 'read-back' });
    // Complete already: it takes no parts.
    expect((await alice.post(`/uploads/${again.body.id}/parts`, { parts: [{ number: 1 }] })).status).toBe(409);
    expect((await alice.download(sha256Hex(bytes))).equals(bytes)).toBe(true);

    // The digest without the size, or another size, is not the blob.
    expect((await alice.initiate({ filename: 'x.mp4', size: bytes.length + 1, sha256: sha256Hex(bytes), storage_id: storageId })).status).toBe(202);
    expect((await alice.initiate({ filename: 'x.mp4', size: bytes.length - 1, sha256: sha256Hex(bytes), storage_id: storageId })).status).toBe(202);
  });

  it("another user of the tenant: 202 under the default 'owner', 200 when the storage says 'tenant'; another tenant: 202 always", async () => {
    const bytes = testBytes(50_000);
    const fields = { filename: 'shared.png', size: bytes.length, sha256: sha256Hex(bytes), storage_id: storageId };

    const owner = brokerWith();
    await owner.v1('alice').upload(bytes, { filename: 'shared.png', storage_id: storageId });
    const bobOwner = await owner.v1('bob').initiate(fields);
    expect(bobOwner.status, JSON.stringify(bobOwner.body)).toBe(202);
    expect(bobOwner.body.upload_token).toEqual(expect.any(String));
    expect((await owner.v1('alice').initiate(fields)).status).toBe(200);

    const tenant = brokerWith({ dedupe: 'tenant' });
    await tenant.v1('alice').upload(bytes, { filename: 'shared.png', storage_id: storageId });
    const bobTenant = await tenant.v1('bob').initiate(fields);
    expect(bobTenant.status, JSON.stringify(bobTenant.body)).toBe(200);
    expect(bobTenant.body).toMatchObject({ already_present: true, blob: { sha256: sha256Hex(bytes), size: bytes.length } });
    expect((await tenant.v1('bob').get(`/uploads/${bobTenant.body.id}`)).body).toMatchObject({ state: 'complete' });
    expect((await tenant.v1('bob').download(sha256Hex(bytes))).equals(bytes)).toBe(true);
    const carol = await tenant.v1('carol').initiate(fields);
    expect(carol.status, JSON.stringify(carol.body)).toBe(202);
    expect((await tenant.v1('carol').get(`/blobs/${sha256Hex(bytes)}`)).status).toBe(404);
  });

  it("dedupe 'off': the owner's own verified blob is uploaded again (202)", async () => {
    const broker = brokerWith({ dedupe: 'off' });
    const bytes = testBytes(40_000);
    await broker.v1('alice').upload(bytes, { storage_id: storageId });
    const again = await broker.v1('alice').initiate({ filename: 'again.bin', size: bytes.length, sha256: sha256Hex(bytes), storage_id: storageId });
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    expect(again.body).toMatchObject({ strategy: 'single', part_count: 1 });
  });

  it('records sharing one object: destroying one leaves it readable through the other; destroying the last deletes it', async () => {
    const broker = brokerWith({ dedupe: 'tenant' });
    const [alice, bob] = [broker.v1('alice'), broker.v1('bob')];
    const bytes = testBytes(60_000);
    const sha256 = sha256Hex(bytes);
    const first = await alice.upload(bytes, { filename: 'menu.jpg', storage_id: storageId });
    const mine = await alice.initiate({ filename: 'menu-copy.jpg', size: bytes.length, sha256, storage_id: storageId });
    const bobs = await bob.initiate({ filename: 'menu.jpg', size: bytes.length, sha256, storage_id: storageId });
    expect([mine.status, bobs.status]).toEqual([200, 200]);
    const key = await objectKey(broker, first.id);
    expect(await objectKey(broker, mine.body.id)).toBe(key);
    expect(await objectKey(broker, bobs.body.id)).toBe(key);

    expect((await alice.delete(`/uploads/${first.id}`)).status).toBe(204);
    // A second DELETE of the same (now aborted) record changes nothing: the others still hold the object.
    expect((await alice.delete(`/uploads/${first.id}`)).status).toBe(204);
    expect(await objectExists(stores, storageId, key)).toBe(true);
    expect((await alice.download(sha256)).equals(bytes)).toBe(true);

    expect((await alice.post(`/uploads/${mine.body.id}/destroy`)).status).toBe(204);
    expect(await objectExists(stores, storageId, key)).toBe(true);
    expect((await alice.get(`/blobs/${sha256}`)).status).toBe(404);
    expect((await bob.download(sha256)).equals(bytes)).toBe(true);

    expect((await bob.delete(`/uploads/${bobs.body.id}`)).status).toBe(204);
    expect(await objectExists(stores, storageId, key)).toBe(false);
    expect((await bob.get(`/blobs/${sha256}`)).status).toBe(404);
    // Nothing left to share: the next upload of these bytes sends them again.
    expect((await bob.initiate({ filename: 'menu.jpg', size: bytes.length, sha256, storage_id: storageId })).status).toBe(202);
  });
});
