// Issue 9's limits on Uppy Companion's routes: a multipart create and a form upload's params
// are refused at the user's cap (429 + Retry-After) and — having no declared size — once the
// tenant is at its quota (413); a refusal leaves no record, no count and no multipart upload
// in the store. A completed Uppy upload counts the size the broker verified.
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Limits } from '../../src/domain/context.js';
import { buildBroker, freshStores, redisRepository, storageConfigs, type TestBroker, type TestStores } from '../support/broker.js';
import { mintEndpoint } from '../support/companion-driver.js';
import { testBytes } from '../support/protocol-driver.js';
import { s3ClientFor } from '../support/provision.js';

describe('upload limits on the Uppy routes', () => {
  let stores: TestStores;
  beforeAll(async () => {
    stores = await freshStores();
  });

  const brokerWith = (limits: Partial<Limits>): TestBroker => buildBroker({ storages: storageConfigs(stores), limits, repo: redisRepository() });

  /** Every multipart upload Swift holds in the test bucket. */
  const storeUploads = async () => {
    const swift = s3ClientFor(inject('swift'));
    try {
      return (await swift.send(new ListMultipartUploadsCommand({ Bucket: stores.s3.bucket }))).Uploads ?? [];
    } finally {
      swift.destroy();
    }
  };

  const snapshot = async (broker: TestBroker) => ({
    listed: await broker.repo.list({ tenant: 'acme', owner: 'alice', limit: 1000, offset: 0 }),
    usage: await broker.repo.quotaUsage('acme', 'alice'),
    store: (await storeUploads()).map((u) => u.UploadId).sort(),
  });

  it('at the cap, a multipart create and a form upload are 429 with Retry-After, and nothing is initiated in the store', async () => {
    const broker = brokerWith({ maxUnfinishedUploadsPerUser: 1 });
    const alice = await mintEndpoint(broker.app, 'alice', { storage_id: 's3' });
    const started = await alice.start('first.bin');
    const before = await snapshot(broker);
    const multipart = await alice.createMultipart('second.bin');
    expect(multipart.status).toBe(429);
    expect(multipart.body).toEqual({ error: 'too_many_uploads', message: expect.stringMatching(/alice has 1 unfinished uploads.*= 1/) });
    expect(Number(multipart.headers['retry-after'])).toBeGreaterThan(0);
    const form = await alice.params({ filename: 'photo.jpg', type: 'image/jpeg' });
    expect([form.status, form.body.error]).toEqual([429, 'too_many_uploads']);
    expect(await snapshot(broker)).toEqual(before);
    // Aborting the first frees the place.
    expect((await alice.abort(started.uploadId, started.key)).status).toBeLessThan(300);
    expect((await alice.params({ filename: 'photo.jpg', type: 'image/jpeg' })).status).toBe(200);
  });

  it('an Uppy upload counts its verified size at completion; with the tenant at its quota an upload of undeclared size is 413', async () => {
    const broker = brokerWith({ tenantQuotas: { byTenant: { acme: 1_500 } } });
    const alice = await mintEndpoint(broker.app, 'alice', { storage_id: 's3' });
    const upload = await alice.start('clip.bin');
    expect((await broker.repo.quotaUsage('acme', 'alice')).tenantBytes).toBe(0);
    const bytes = testBytes(1_500);
    const etag = await alice.uploadPart(upload, 1, bytes);
    const done = await alice.complete(upload.uploadId, upload.key, [{ PartNumber: 1, ETag: etag }]);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(await broker.repo.quotaUsage('acme', 'alice')).toEqual({ unfinished: 0, tenantBytes: 1_500 });
    const before = await snapshot(broker);
    const refused = await alice.createMultipart('more.bin');
    expect(refused.status).toBe(413);
    expect(refused.body).toEqual({ error: 'quota_exceeded', message: 'tenant acme holds 1500 bytes of its 1500-byte quota; an upload of undeclared size may not start at the quota' });
    expect((await alice.params({ filename: 'photo.jpg', type: 'image/jpeg' })).status).toBe(413);
    expect(await snapshot(broker)).toEqual(before);
    // Deleting the complete upload gives its bytes back.
    expect((await broker.as('alice').delete(`/${upload.uploadId}`)).status).toBeLessThan(300);
    expect((await broker.repo.quotaUsage('acme', 'alice')).tenantBytes).toBe(0);
    expect((await alice.createMultipart('more.bin')).status).toBe(200);
  });
});
