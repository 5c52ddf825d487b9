// Parallel PATCHes never lose a part (atomic recording in Redis); abort,
// listing and paging.
import { beforeAll, describe, expect, it } from 'vitest';
import { createAzureStore } from '../../src/stores/azure.js';
import type { BlobStore } from '../../src/domain/ports.js';
import { createS3Store } from '../../src/stores/s3.js';
import { buildBroker, freshStores, redisRepository, storageConfigs, type TestBroker, type TestStores } from '../support/broker.js';
import { md5b64, MiB, testBytes } from '../support/protocol-driver.js';

describe.each(['s3', 'azure'] as const)('%s: parallel PATCHes, abort', (storageId) => {
  let broker: TestBroker;
  let stores: TestStores;
  /** The same bucket / container as the broker's, to look at what the store holds. */
  let store: BlobStore;
  beforeAll(async () => {
    stores = await freshStores();
    broker = buildBroker({ storages: storageConfigs(stores), repo: redisRepository() });
    store = storageId === 's3' ? createS3Store(stores.s3) : createAzureStore(stores.azure);
  });

  it('30 parallel PATCHes on one upload record all 30 parts', async () => {
    const alice = broker.as('alice');
    const size = 30 * 5 * MiB;
    const created = await alice.post('/', { file_name: 'big.bin', file_size: size, file_id: md5b64(Buffer.from('whole')), storage_id: storageId });
    expect(created.status).toBe(200);
    const id = created.body.upload_id as string;
    const resumableId = await alice.initiate(created.body.signature);
    // A refused finish writes nothing, so the UploadId travels with the part PATCHes themselves (the same id in each).
    const firstBody = resumableId ? { resumable_id: resumableId } : {};
    if (resumableId) expect((await alice.patch(`/${id}`, firstBody)).status).toBe(409);
    const partMd5 = (n: number) => md5b64(Buffer.from(`part-${n}`));
    const numbers = Array.from({ length: 30 }, (_, i) => i + 1);
    // 30 PATCHes at once, each signing one part…
    const signed = await Promise.all(numbers.map((n) => alice.patch(`/${id}?part=${n}&file_id=${encodeURIComponent(partMd5(n))}`, firstBody)));
    for (const res of signed) expect(res.status, JSON.stringify(res.body)).toBe(200);
    // …then 30 at once, each reporting one part done (PlaceOS part_list/part_data).
    const reported = await Promise.all(numbers.map((n) => alice.patch(`/${id}`, { part_list: [n], part_data: [{ part: n, md5: partMd5(n) }] })));
    for (const res of reported) expect(res.status, JSON.stringify(res.body)).toBe(200);
    const status = await alice.get(`/${id}`);
    expect(status.body.parts_signed).toEqual(numbers);
    expect(status.body.part_list).toEqual(numbers);
    for (const n of numbers) expect(status.body.part_data[String(n)].md5).toBe(partMd5(n));
  });

  it('DELETE aborts (202), is idempotent, and the upload takes no more parts', async () => {
    const alice = broker.as('alice');
    const bytes = testBytes(6 * MiB);
    const created = await alice.create(bytes, { storage_id: storageId, file_name: 'doomed.bin' });
    const resumableId = await alice.initiate(created.signature);
    const part = bytes.subarray(0, created.part_size);
    expect(await alice.uploadPart(created.upload_id, 1, part, resumableId ? { resumable_id: resumableId } : {})).toBe(storageId === 's3' ? 200 : 201);
    const key = (await alice.get(`/${created.upload_id}`)).body.object_key as string;
    const staged = () => store.listUploadedParts(resumableId === undefined ? { key } : { key, resumableId });
    expect((await staged()).map((p) => p.part)).toEqual([1]);
    expect((await alice.delete(`/${created.upload_id}`)).status).toBe(202);
    // Aborted in the store too: the S3 multipart upload is gone, Azure's uncommitted blocks are dropped.
    expect(await staged()).toEqual([]);
    expect(await store.statObject({ key })).toBeUndefined();
    expect((await alice.delete(`/${created.upload_id}`)).status).toBe(202);
    expect((await alice.get(`/${created.upload_id}`)).body.state).toBe('aborted');
    const patch = await alice.patch(`/${created.upload_id}?part=2&file_id=${encodeURIComponent(md5b64(part))}`);
    expect(patch.status).toBe(409);
    expect(patch.body).toMatchObject({ error: 'conflict', message: expect.stringContaining('aborted') });
    // The same file again starts a new upload rather than resuming the aborted one.
    const again = await alice.create(bytes, { storage_id: storageId, file_name: 'doomed.bin' });
    expect(again.type).toBe('chunked_upload');
    expect(again.upload_id).not.toBe(created.upload_id);
  });

  it('the same file sent to another storage is a new upload there, not a resume', async () => {
    const alice = broker.as('alice');
    const bytes = testBytes(2000);
    const first = await alice.create(bytes, { storage_id: storageId, file_name: 'twice.txt' });
    const other = storageId === 's3' ? 'azure' : 's3';
    const second = await alice.create(bytes, { storage_id: other, file_name: 'twice.txt' });
    expect(second.upload_id).not.toBe(first.upload_id);
    expect(second.residence).toBe(other === 's3' ? 'AmazonS3' : 'AzureStorage');
  });

  it('DELETE of a complete upload deletes the object', async () => {
    const alice = broker.as('alice');
    const bytes = testBytes(1234);
    const id = await alice.uploadWhole(bytes, { storage_id: storageId, file_name: 'gone.txt' });
    const link = (await alice.get(`/${id}/url`)).headers['location'] as string;
    expect((await alice.delete(`/${id}`)).status).toBe(202);
    expect((await fetch(link)).status).toBe(404);
    expect(await store.statObject({ key: (await alice.get(`/${id}`)).body.object_key as string })).toBeUndefined();
    expect((await alice.get(`/${id}/url`)).status).toBe(409);
  });
});

describe('listing', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = buildBroker({ storages: storageConfigs(await freshStores()), repo: redisRepository() });
    const alice = broker.as('alice');
    for (let i = 0; i < 5; i++) await alice.create(testBytes(100 + i), { file_name: `report-${i}.pdf`, tags: i % 2 ? ['odd', 'x'] : ['even'] });
    await broker.as('bob').create(testBytes(10), { file_name: 'bobs-report.pdf' });
  });

  it('lists only the caller\'s uploads, newest first, with paging headers', async () => {
    const alice = broker.as('alice');
    const page = await alice.get('/?limit=2&offset=0');
    expect(page.status).toBe(200);
    expect(page.body).toHaveLength(2);
    expect(page.headers['x-total-count']).toBe('5');
    expect(page.headers['content-range']).toBe('items 0-1/5');
    expect(page.headers['link']).toContain('offset=2');
    const last = await alice.get('/?limit=2&offset=4');
    expect(last.body).toHaveLength(1);
    expect(last.headers['link']).toBeUndefined();
    expect((await broker.as('bob').get('/')).body.map((u: { file_name: string }) => u.file_name)).toEqual(['bobs-report.pdf']);
    expect((await broker.as('carol').get('/')).body).toEqual([]);
  });

  it('filters by file_search and tags (all must match)', async () => {
    const alice = broker.as('alice');
    expect((await alice.get('/?file_search=REPORT-3')).body.map((u: { file_name: string }) => u.file_name)).toEqual(['report-3.pdf']);
    expect((await alice.get('/?tags=odd,x')).body).toHaveLength(2);
    expect((await alice.get('/?tags=odd,even')).body).toHaveLength(0);
    // Quotes and SQL-ish text are just text.
    expect((await alice.get(`/?file_search=${encodeURIComponent("' OR 1=1 --")}`)).body).toEqual([]);
  });
});

describe('completion makes the object readable by link only to those allowed', () => {
  it('a private upload\'s link is refused to other users; a public one is given to the same tenant only', async () => {
    const broker = buildBroker({ storages: storageConfigs(await freshStores()) });
    const alice = broker.as('alice');
    const privateId = await alice.uploadWhole(testBytes(50), { file_name: 'private.txt' });
    const publicId = await alice.uploadWhole(testBytes(60), { file_name: 'public.txt', public: true });
    expect((await broker.as('bob').get(`/${privateId}/url`)).status).toBe(404);
    expect((await broker.as('bob').get(`/${publicId}/url`)).status).toBe(303);
    expect((await broker.as('carol').get(`/${publicId}/url`)).status).toBe(404);
    const capped = await alice.get(`/${publicId}/url?expiry=999999`);
    expect(capped.status).toBe(303);
    const location = new URL(capped.headers['location'] as string);
    const seconds = Number(location.searchParams.get('X-Amz-Expires'));
    expect(seconds).toBe(1440 * 60);
    // Browsers cannot read a cross-origin redirect: Accept: application/json gives the URL as JSON.
    const json = await alice.get(`/${publicId}/url`).set('Accept', 'application/json');
    expect(json.status).toBe(200);
    const object = await fetch(json.body.url as string);
    expect(object.status).toBe(200);
    expect(Buffer.from(await object.arrayBuffer()).length).toBe(60);
  });
});
