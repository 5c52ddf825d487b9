// "What was verified stays what was verified": once finalize answers complete, no
// request signed before — and nothing an uploader can still do with it — changes
// the object. One test per attack that worked before objects were sealed.
import { CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { buildBroker, freshStores, storageConfigs, type TestStores } from '../support/broker.js';
import { md5b64, MiB, sendSigned, testBytes } from '../support/protocol-driver.js';
import { s3ClientFor } from '../support/provision.js';

describe('sealed objects', () => {
  let stores: TestStores;
  beforeAll(async () => {
    stores = await freshStores();
  });

  it('Azure: a part or commit SAS still alive cannot Put Blob other bytes over a verified blob', async () => {
    const broker = buildBroker({ storages: storageConfigs(stores) });
    const alice = broker.as('alice');
    const bytes = testBytes(6 * MiB);
    const { id, parts, firstBody } = await alice.startChunked(bytes, { storage_id: 'azure' });
    const partUrl = await alice.signPart(id, 1, parts[0]!, firstBody);
    expect((await sendSigned(partUrl, parts[0]!)).status).toBe(201);
    await alice.uploadParts(id, parts, [2]);
    const finish = await alice.finish(id);
    expect((await sendSigned(finish.signature, finish.body)).status).toBe(201);
    expect((await alice.put(`/${id}`)).status).toBe(200);

    // The part URL's SAS is `w` on the blob: as a Put Blob of other bytes it was accepted before the seal.
    const overwrite = new URL(partUrl.url);
    overwrite.searchParams.delete('comp');
    overwrite.searchParams.delete('blockid');
    const evil = testBytes(100);
    const answer = await fetch(overwrite, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: evil as unknown as BodyInit });
    expect(answer.status).toBe(412);
    // So is a commit of another block list with the commit URL.
    expect((await sendSigned(finish.signature, '<?xml version="1.0" encoding="utf-8"?><BlockList><Latest>MDAwMDAx</Latest></BlockList>')).status).toBe(412);
    expect((await alice.download(id)).equals(bytes)).toBe(true);
  });

  it('S3: another multipart upload of the same key, open at finalize, can no longer be committed over the object', async () => {
    const broker = buildBroker({ storages: storageConfigs(stores) });
    const alice = broker.as('alice');
    const bytes = testBytes(6 * MiB);
    const { id, created, parts, firstBody } = await alice.startChunked(bytes, { storage_id: 's3' });
    await alice.uploadParts(id, parts, [1, 2], firstBody);
    const finish = await alice.finish(id);
    expect((await sendSigned(finish.signature, finish.body)).status).toBe(200);
    // Meanwhile a second multipart upload of the same key holds other bytes, ready to commit
    // (with the initiation URL the broker handed out, or any the uploader could make).
    const key = (await alice.get(`/${id}`)).body.object_key as string;
    const s3 = s3ClientFor(inject('swift'));
    const Bucket = stores.s3.bucket;
    const second = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: key }));
    const evil = testBytes(1000);
    const part = await s3.send(new UploadPartCommand({ Bucket, Key: key, UploadId: second.UploadId, PartNumber: 1, Body: evil }));
    expect(created.signature.verb).toBe('POST');

    expect((await alice.put(`/${id}`)).status).toBe(200);
    await expect(
      s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: key, UploadId: second.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    expect((await alice.download(id)).equals(bytes)).toBe(true);
  });

  it('Azure: a block staged without Content-MD5 under a recorded block id, with other bytes, fails finalize', async () => {
    const broker = buildBroker({ storages: storageConfigs(stores) });
    const alice = broker.as('alice');
    const bytes = testBytes(6 * MiB);
    const { id, parts, firstBody } = await alice.startChunked(bytes, { storage_id: 'azure' });
    const first = await alice.signPart(id, 1, parts[0]!, firstBody);
    // Same length, other bytes, and the header the store would check left out.
    const swapped = Buffer.from(parts[0]!).reverse();
    expect(md5b64(swapped)).not.toBe(md5b64(parts[0]!));
    const { 'Content-MD5': _dropped, ...noMd5 } = first.headers;
    expect((await sendSigned({ ...first, headers: noMd5 }, swapped)).status).toBe(201);
    await alice.uploadParts(id, parts, [2]);
    const finish = await alice.finish(id);
    expect((await sendSigned(finish.signature, finish.body)).status).toBe(201);

    const finalized = await alice.put(`/${id}`);
    expect(finalized.status).toBe(422);
    expect(finalized.body.message).toMatch(/MD5/);
    expect((await alice.get(`/${id}`)).body.state).not.toBe('complete');
  });
});
