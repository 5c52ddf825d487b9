// Direct and chunked uploads through the broker into real stores (Swift's S3
// API, Azurite), with the object read back and compared byte for byte.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBroker, freshStores, redisRepository, storageConfigs, type TestBroker } from '../support/broker.js';
import { cut, md5b64, MiB, sendSigned, testBytes } from '../support/protocol-driver.js';

describe.each([
  ['s3', 'AmazonS3'],
  ['azure', 'AzureStorage'],
] as const)('uploads to %s', (storageId, residence) => {
  let broker: TestBroker;

  beforeAll(async () => {
    broker = buildBroker({ storages: storageConfigs(await freshStores()), repo: redisRepository() });
  });

  it('GET /new names the residence', async () => {
    const res = await broker.as('alice').get(`/new?file_name=a.bin&file_size=100&storage_id=${storageId}`);
    expect(res.status).toBe(200);
    expect(res.body.residence).toBe(residence);
  });

  it('a direct upload lands byte-identical and is complete', async () => {
    const bytes = testBytes(300 * 1024);
    const alice = broker.as('alice');
    const created = await alice.create(bytes, { storage_id: storageId, file_name: 'photo.jpg' });
    expect(created).toMatchObject({ type: 'direct_upload', residence, part_count: 1 });
    expect(created.upload_id).toMatch(/^uploads-/);
    const put = await sendSigned(created.signature, bytes);
    // S3 PUT Object answers 200, Azure Put Blob 201.
    expect(put.status, await put.text()).toBe(storageId === 's3' ? 200 : 201);
    const done = await alice.put(`/${created.upload_id}`);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ ok: true, upload: { state: 'complete', upload_complete: true, file_mime: 'image/jpeg' } });
    expect((await alice.download(created.upload_id)).equals(bytes)).toBe(true);
  });

  it('a chunked upload (5 MiB parts + remainder) lands byte-identical', async () => {
    const bytes = testBytes(10 * MiB + 12345);
    const alice = broker.as('alice');
    const created = await alice.create(bytes, { storage_id: storageId, file_name: 'video.mp4' });
    expect(created).toMatchObject({ type: 'chunked_upload', residence });
    expect(created.part_count).toBe(Math.ceil(bytes.length / created.part_size));
    const id = await alice.uploadWhole(bytes, { storage_id: storageId, file_name: 'video.mp4' });
    // The same file again continues the same unfinished upload (resume key: owner, name, size, MD5).
    expect(id).toBe(created.upload_id);
    expect((await alice.download(id)).equals(bytes)).toBe(true);
    const status = await alice.get(`/${id}`);
    expect(status.body).toMatchObject({ state: 'complete', file_size: bytes.length, bytes_known: bytes.length });
  });

  it('the finish body lists every recorded part with its MD5', async () => {
    const bytes = testBytes(10 * MiB + 1);
    const alice = broker.as('alice');
    const created = await alice.create(bytes, { storage_id: storageId, file_name: 'finish.bin' });
    const resumableId = await alice.initiate(created.signature);
    const parts = cut(bytes, created.part_size);
    for (const [i, part] of parts.entries()) await alice.signPart(created.upload_id, i + 1, part, resumableId ? { resumable_id: resumableId } : {});
    const finish = await alice.finish(created.upload_id);
    if (storageId === 's3') {
      for (const part of parts) expect(finish.body).toContain(`<ETag>"${Buffer.from(md5b64(part), 'base64').toString('hex')}"</ETag>`);
      expect(finish.body).toMatch(/^<CompleteMultipartUpload>(<Part><PartNumber>\d+<\/PartNumber><ETag>"[0-9a-f]{32}"<\/ETag><\/Part>){3}<\/CompleteMultipartUpload>$/);
    } else {
      expect(finish.body).toContain('<BlockList><Latest>MDAwMDAx</Latest><Latest>MDAwMDAy</Latest><Latest>MDAwMDAz</Latest></BlockList>');
      expect(finish.signature.headers['x-ms-blob-content-md5']).toBe(md5b64(bytes));
    }
  });
});
