// The embedded default (`npm start`) uses s3rver for S3: it has no ListParts
// and reports a whole-object MD5 as a multipart ETag. A newcomer's uploads —
// direct, chunked and resumed — must still complete on it. (Nothing about
// security or integrity is asserted here: s3rver accepts any signature.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3rver, type S3rverServer } from '../../scripts/servers/s3rver.js';
import { buildBroker, freshStores, storageConfigs, type TestBroker } from '../support/broker.js';
import { MiB, sendSigned, testBytes } from '../support/protocol-driver.js';

describe('embedded s3rver store', () => {
  let s3rver: S3rverServer;
  let broker: TestBroker;

  beforeAll(async () => {
    s3rver = await startS3rver({ buckets: ['demo-bucket'] });
    const stores = await freshStores();
    const s3 = { bucket: 'demo-bucket', region: s3rver.region, endpoint: s3rver.endpoint, forcePathStyle: true, accessKeyId: s3rver.accessKeyId, secretAccessKey: s3rver.secretAccessKey, signContentLength: true };
    broker = buildBroker({ storages: storageConfigs({ ...stores, s3 }) });
  });
  afterAll(async () => {
    await s3rver.stop();
  });

  it('direct and chunked uploads complete and read back', async () => {
    const alice = broker.as('alice');
    for (const bytes of [testBytes(1000), testBytes(11 * MiB)]) {
      const id = await alice.uploadWhole(bytes, { file_name: `demo-${bytes.length}.bin` });
      expect((await alice.download(id)).equals(bytes)).toBe(true);
    }
  });

  it('an interrupted chunked upload resumes (re-sending parts, as the store cannot list them) and completes', async () => {
    const alice = broker.as('alice');
    const bytes = testBytes(11 * MiB);
    const { id, parts, firstBody } = await alice.startChunked(bytes, { file_name: 'interrupted.bin' });
    await alice.uploadParts(id, parts, [1], firstBody);
    const resumed = await alice.create(bytes, { file_name: 'interrupted.bin' });
    expect(resumed).toMatchObject({ type: 'parts', upload_id: id, part_list: [] });
    await alice.uploadParts(id, parts, [1, 2, 3]);
    const finish = await alice.finish(id);
    expect((await sendSigned(finish.signature, finish.body)).status).toBe(200);
    expect((await alice.put(`/${id}`)).status).toBe(200);
    expect((await alice.download(id)).equals(bytes)).toBe(true);
  });
});
