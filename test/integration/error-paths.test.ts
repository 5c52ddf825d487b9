// The remaining error paths a client can reach: storage tenancy, expiry (with
// an injected clock, no sleeping), state conflicts around finish and finalize,
// GET /:id/edit, and the support role's read access.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBroker, freshStores, storageConfigs, type TestStores } from '../support/broker.js';
import { md5b64, MiB, sendSigned, testBytes } from '../support/protocol-driver.js';

const partMd5 = (n: number) => md5b64(Buffer.from(`part ${n}`));

describe('error paths', () => {
  let stores: TestStores;
  beforeAll(async () => {
    stores = await freshStores();
  });

  it('storages limited to other tenants: 403 without a storage, 400 naming one not yours', async () => {
    const none = buildBroker({ storages: storageConfigs(stores, { s3: { tenants: ['other'] }, azure: { tenants: ['other'] } }) });
    const refused = await none.as('alice').get('/new?file_name=a.txt&file_size=10');
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ error: 'forbidden', message: 'no storage is configured for your tenant' });
    expect((await none.as('carol').get('/new?file_name=a.txt&file_size=10')).status).toBe(200);
    const split = buildBroker({ storages: storageConfigs(stores, { s3: { tenants: ['acme'] }, azure: { tenants: ['other'] } }) });
    const foreign = await split.as('alice').post('/', { file_name: 'a.txt', file_size: 1, file_id: partMd5(0), storage_id: 'azure' });
    expect(foreign.status).toBe(400);
    expect(foreign.body.message).toMatch(/storage "azure" is not a storage you may use/);
  });

  it('an unfinished upload expires after its TTL: 410 on every action, and the same file starts afresh', async () => {
    let now = Date.now();
    const broker = buildBroker({ storages: storageConfigs(stores), clock: { now: () => now }, limits: { uploadTtlMinutes: 60 } });
    const alice = broker.as('alice');
    const bytes = testBytes(20 * MiB);
    const created = await alice.create(bytes, { storage_id: 'azure', file_name: 'late.bin' });
    now += 61 * 60_000;
    const patch = await alice.patch(`/${created.upload_id}?part=1&file_id=${encodeURIComponent(partMd5(1))}`);
    expect(patch.status).toBe(410);
    expect(patch.body.error).toBe('expired');
    expect((await alice.put(`/${created.upload_id}`)).status).toBe(410);
    expect((await alice.get(`/${created.upload_id}/edit?part=finish`)).status).toBe(410);
    expect((await alice.get(`/${created.upload_id}`)).body.state).toBe('expired');
    const again = await alice.create(bytes, { storage_id: 'azure', file_name: 'late.bin' });
    expect(again.type).toBe('chunked_upload');
    expect(again.upload_id).not.toBe(created.upload_id);
    // Activity slides the expiry: a PATCH just before it keeps the upload open.
    now += 59 * 60_000;
    expect((await alice.patch(`/${again.upload_id}?part=1&file_id=${encodeURIComponent(partMd5(1))}`)).status).toBe(200);
    now += 59 * 60_000;
    expect((await alice.patch(`/${again.upload_id}?part=2&file_id=${encodeURIComponent(partMd5(2))}`)).status).toBe(200);
  });

  it('finish and finalize refuse what makes no sense for the upload', async () => {
    const alice = buildBroker({ storages: storageConfigs(stores) }).as('alice');
    const direct = await alice.create(testBytes(10), { file_name: 'small.txt' });
    const finishDirect = await alice.patch(`/${direct.upload_id}`);
    expect(finishDirect.status).toBe(400);
    expect(finishDirect.body.message).toMatch(/direct upload/);

    const s3 = await alice.post('/', { file_name: 's3.bin', file_size: 20 * MiB, file_id: partMd5(0) });
    const finishS3 = await alice.patch(`/${s3.body.upload_id}`);
    expect(finishS3.status).toBe(409);
    expect(finishS3.body.message).toMatch(/no multipart upload id/);

    const azure = await alice.post('/', { file_name: 'gap.bin', file_size: 20 * MiB, file_id: partMd5(0), storage_id: 'azure' });
    for (const n of [1, 3]) expect((await alice.patch(`/${azure.body.upload_id}?part=${n}&file_id=${encodeURIComponent(partMd5(n))}`)).status).toBe(200);
    const gap = await alice.patch(`/${azure.body.upload_id}`);
    expect(gap.status).toBe(409);
    expect(gap.body.message).toMatch(/part 2 .* was never signed/);

    const twoSpellings = await alice.patch(`/${azure.body.upload_id}`, { part_data: [{ part: 1, md5: partMd5(1), md5_hex: Buffer.from(partMd5(3), 'base64').toString('hex') }] });
    expect(twoSpellings.status).toBe(400);
    expect(twoSpellings.body.message).toMatch(/two different MD5s/);

    expect((await alice.delete(`/${azure.body.upload_id}`)).status).toBe(202);
    const finalizeAborted = await alice.put(`/${azure.body.upload_id}`);
    expect(finalizeAborted.status).toBe(409);
    expect(finalizeAborted.body.message).toMatch(/aborted/);
  });

  it('GET /:id/edit signs without recording progress, but remembers the MD5 it signed', async () => {
    const alice = buildBroker({ storages: storageConfigs(stores) }).as('alice');
    const bytes = testBytes(10 * MiB + 3);
    const { id, parts } = await alice.startChunked(bytes, { storage_id: 'azure', file_name: 'edit.bin' });
    for (const [index, part] of parts.entries()) {
      const edit = await alice.get(`/${id}/edit?part=${index + 1}&file_id=${encodeURIComponent(md5b64(part))}`);
      expect(edit.status).toBe(200);
      expect(edit.body).toMatchObject({ type: 'part_upload', upload_id: id, body: null });
      expect((await sendSigned(edit.body.signature, part)).status).toBe(201);
    }
    const status = await alice.get(`/${id}`);
    expect(status.body.parts_signed).toEqual([1, 2, 3]);
    expect(status.body.part_list).toEqual([]);
    const finish = await alice.get(`/${id}/edit?part=finish`);
    expect(finish.body.type).toBe('finish');
    expect((await sendSigned(finish.body.signature, finish.body.body)).status).toBe(201);
    expect((await alice.put(`/${id}`)).status).toBe(200);
    expect((await alice.download(id)).equals(bytes)).toBe(true);
  });

  it('legacy PlaceOS clients may send part and file_id in the PATCH body', async () => {
    const alice = buildBroker({ storages: storageConfigs(stores) }).as('alice');
    const bytes = testBytes(6 * MiB);
    const { id, parts } = await alice.startChunked(bytes, { storage_id: 'azure', file_name: 'legacy.bin' });
    for (const [index, part] of parts.entries()) {
      const res = await alice.patch(`/${id}`, { part: String(index + 1), file_id: md5b64(part) });
      expect(res.status).toBe(200);
      expect(res.body.type).toBe('part_upload');
      expect((await sendSigned(res.body.signature, part)).status).toBe(201);
    }
    const finish = await alice.finish(id);
    expect((await sendSigned(finish.signature, finish.body)).status).toBe(201);
    expect((await alice.put(`/${id}`)).status).toBe(200);
  });

  it('support staff may read uploads marked permissions "support", and only those', async () => {
    const broker = buildBroker({ storages: storageConfigs(stores) });
    const alice = broker.as('alice');
    const forSupport = await alice.uploadWhole(testBytes(40), { file_name: 'logs.txt', permissions: 'support' });
    const privateOne = await alice.uploadWhole(testBytes(41), { file_name: 'diary.txt' });
    expect((await broker.as('support').get(`/${forSupport}/url`)).status).toBe(303);
    expect((await broker.as('support').get(`/${privateOne}/url`)).status).toBe(404);
    expect((await broker.as('bob').get(`/${forSupport}/url`)).status).toBe(404);
    // Reading is not managing: support cannot see the record or delete it.
    expect((await broker.as('support').delete(`/${forSupport}`)).status).toBe(404);
  });
});
