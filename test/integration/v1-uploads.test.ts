// API v1 uploads against Swift's S3 API and Azurite: initiate → batch signing →
// parts straight to the store → complete with the digest, read back by the
// broker where the store cannot check a SHA-256 (Swift ignores the checksum
// header; Azure has none) — so a wrong digest is caught, and nothing completes.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBroker, freshStores, storageConfigs, type TestStores } from '../support/broker.js';
import { MiB, sendSigned, testBytes } from '../support/protocol-driver.js';
import { sha256Hex } from '../support/v1-driver.js';

describe.each(['s3', 'azure'] as const)('API v1 on %s', (storageId) => {
  let stores: TestStores;
  beforeAll(async () => {
    stores = await freshStores();
  });

  it('a multipart upload: one batch of signatures, committed by the broker, read back, verified, downloadable by digest', async () => {
    const broker = buildBroker({ storages: storageConfigs(stores) });
    const alice = broker.v1('alice');
    const bytes = testBytes(11 * MiB + 3);
    const created = await alice.initiate({ filename: 'loop.mp4', size: bytes.length, storage_id: storageId });
    expect(created.status).toBe(202);
    expect(created.headers['upload-id']).toBe(created.body.id);
    expect(created.headers['upload-token']).toBe(created.body.upload_token);
    expect(created.headers['range']).toBeUndefined();
    expect(created.body).toMatchObject({ strategy: 'multipart', part_count: 3 });

    const statuses = await alice.sendParts(created.body.id, bytes, created.body);
    expect(statuses.every((s) => s < 300)).toBe(true);
    const status = await alice.get(`/uploads/${created.body.id}/status`);
    expect(status.status).toBe(204);
    expect(status.headers['range']).toBe(`bytes=0-${bytes.length - 1}`);
    expect(status.headers['upload-expires']).toBeDefined();

    const done = await alice.post(`/uploads/${created.body.id}/complete?digest=sha-256:${sha256Hex(bytes)}`);
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect(done.body).toEqual({ id: created.body.id, sha256: sha256Hex(bytes), size: bytes.length, verified: 'read-back' });
    const record = await alice.get(`/uploads/${created.body.id}`);
    expect(record.body).toMatchObject({ state: 'complete', sha256: sha256Hex(bytes), verified: 'read-back', size: bytes.length, integrity: 'store-md5' });
    expect((await alice.download(sha256Hex(bytes))).equals(bytes)).toBe(true);
    // Complete again: the same answer (a retried request), and a different digest is refused.
    expect((await alice.post(`/uploads/${created.body.id}/complete?digest=sha-256:${sha256Hex(bytes)}`)).status).toBe(201);
    expect((await alice.post(`/uploads/${created.body.id}/complete?digest=sha-256:${sha256Hex(testBytes(3))}`)).status).toBe(422);
  });

  it('a single upload whose bytes do not have the digest given at complete: 422, and nothing is complete', async () => {
    const broker = buildBroker({ storages: storageConfigs(stores) });
    const alice = broker.v1('alice');
    const bytes = testBytes(70_000);
    const created = await alice.initiate({ filename: 'a.png', size: bytes.length, storage_id: storageId });
    expect(created.body.strategy).toBe('single');
    await alice.sendParts(created.body.id, bytes, created.body, { sha256: false });
    const wrong = sha256Hex(testBytes(70_000));
    const refused = await alice.post(`/uploads/${created.body.id}/complete?digest=sha-256:${wrong}`);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ error: 'verification_failed', message: expect.stringContaining(sha256Hex(bytes)) });
    expect((await alice.get(`/uploads/${created.body.id}`)).body.state).not.toBe('complete');
    expect((await alice.get(`/blobs/${wrong}`)).status).toBe(404);
    // The right digest completes it.
    expect((await alice.post(`/uploads/${created.body.id}/complete?digest=sha256:${sha256Hex(bytes)}`)).status).toBe(201);
  });

  it('parts without any client digest: the broker commits what the store lists and still verifies the SHA-256 by reading back', async () => {
    const broker = buildBroker({ storages: storageConfigs(stores) });
    const alice = broker.v1('alice');
    const bytes = testBytes(6 * MiB);
    const created = await alice.initiate({ filename: 'bare.bin', size: bytes.length, storage_id: storageId });
    await alice.sendParts(created.body.id, bytes, created.body, { md5: false, sha256: false });
    const done = await alice.post(`/uploads/${created.body.id}/complete`);
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect(done.body).toMatchObject({ sha256: sha256Hex(bytes), verified: 'read-back' });
    expect((await alice.get(`/uploads/${created.body.id}`)).body).toMatchObject({ integrity: 'listed-etags' });
  });
});

describe('other protocols’ uploads in API v1', () => {
  it('a PlaceOS chunked upload to Azure is read back at finalize: it gains its SHA-256, and API v1 serves it by digest', async () => {
    const stores = await freshStores();
    const broker = buildBroker({ storages: storageConfigs(stores) });
    const placeos = broker.as('alice');
    const bytes = testBytes(6 * MiB + 11);
    const { id, parts, firstBody } = await placeos.startChunked(bytes, { storage_id: 'azure' });
    await placeos.uploadParts(id, parts, [1, 2], firstBody);
    const finish = await placeos.finish(id);
    expect((await sendSigned(finish.signature, finish.body)).status).toBe(201);
    expect((await placeos.put(`/${id}`)).status).toBe(200);
    const v1 = broker.v1('alice');
    expect((await v1.get(`/uploads/${id}`)).body).toMatchObject({ sha256: sha256Hex(bytes), verified: 'read-back', state: 'complete' });
    expect((await v1.download(sha256Hex(bytes))).equals(bytes)).toBe(true);
  });
});
