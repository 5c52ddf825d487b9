// Uppy Companion's S3 protocol, broker-run multipart uploads: every error path
// a user can reach from create to complete or abort. Parts go from Node to
// Swift with fetch and no headers, as @uppy/aws-s3 sends them; what the store
// holds is read with the SDK, what the broker recorded through the PlaceOS API.
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { buildBroker, freshStores, storageConfigs, type TestBroker, type TestStores } from '../support/broker.js';
import { mintEndpoint, type UploadHandle, type UppyEndpoint } from '../support/companion-driver.js';
import { MiB, testBytes } from '../support/protocol-driver.js';
import { s3ClientFor } from '../support/provision.js';

const md5Hex = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');
const unquoted = (etag: string) => etag.replace(/^"(.*)"$/, '$1');

describe('Uppy multipart uploads', () => {
  let stores: TestStores;
  let broker: TestBroker;
  let alice: UppyEndpoint;
  beforeAll(async () => {
    stores = await freshStores();
    broker = buildBroker({ storages: storageConfigs(stores) });
    alice = await mintEndpoint(broker.app, 'alice');
  });

  /** The record as the PlaceOS API shows it to its owner. */
  const record = async (id: string) => {
    const res = await broker.as('alice').get(`/${id}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { state: string; integrity: string; file_size: number | null; object_key: string };
  };

  /** The multipart uploads Swift holds for this key. */
  const storeUploads = async (key: string) => {
    const swift = s3ClientFor(inject('swift'));
    try {
      const answer = await swift.send(new ListMultipartUploadsCommand({ Bucket: stores.s3.bucket, Prefix: key }));
      return (answer.Uploads ?? []).filter((u) => u.Key === key);
    } finally {
      swift.destroy();
    }
  };

  /** A started upload with one small part in the store (a last part may be small). */
  const startWithOnePart = async (name: string) => {
    const upload = await alice.start(name);
    const bytes = testBytes(1000);
    const etag = await alice.uploadPart(upload, 1, bytes);
    return { upload, bytes, etag };
  };

  it('takes two parts, lists them, completes with quoted and bare ETags mixed, and completes again idempotently', async () => {
    const upload = await alice.start('movie.bin');
    expect(upload.key).toMatch(/^acme\/[0-9a-f]{32}\.bin$/);
    expect(await record(upload.uploadId)).toMatchObject({ state: 'uploading', integrity: 'listed-etags', object_key: upload.key });
    const parts = [testBytes(5 * MiB), testBytes(12_345)];
    const etags = [await alice.uploadPart(upload, 1, parts[0] as Buffer), await alice.uploadPart(upload, 2, parts[1] as Buffer)];

    const listed = await alice.listParts(upload.uploadId, upload.key);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual(parts.map((bytes, i) => ({ PartNumber: i + 1, ETag: `"${md5Hex(bytes)}"`, Size: bytes.length })));

    // Uppy sends listed ETags back quoted and PUT answers' ETags bare.
    const claims = [{ PartNumber: 1, ETag: `"${unquoted(etags[0] as string)}"` }, { PartNumber: 2, ETag: unquoted(etags[1] as string) }];
    const done = await alice.complete(upload.uploadId, upload.key, claims);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.key).toBe(upload.key);
    expect(done.body.location).toMatch(new RegExp(`/${stores.s3.bucket}/${upload.key}$`));
    expect(done.body.location).not.toContain('?');
    expect(await record(upload.uploadId)).toMatchObject({ state: 'complete', integrity: 'listed-etags', file_size: 5 * MiB + 12_345 });
    expect((await broker.as('alice').download(upload.uploadId)).equals(Buffer.concat(parts))).toBe(true);

    const again = await alice.complete(upload.uploadId, upload.key, claims);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body).toEqual(done.body);
  });

  it('refuses to complete with a part the store does not hold (409), and the upload stays open', async () => {
    const { upload, etag } = await startWithOnePart('missing-part.bin');
    const res = await alice.complete(upload.uploadId, upload.key, [{ PartNumber: 1, ETag: etag }, { PartNumber: 2, ETag: etag }]);
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: 'conflict', message: expect.stringMatching(/part 2 is not in the store/) });
    expect((await record(upload.uploadId)).state).toBe('uploading');
    expect((await alice.complete(upload.uploadId, upload.key, [{ PartNumber: 1, ETag: etag }])).status).toBe(200);
  });

  it('refuses to complete with an ETag the store does not hold (409), and the upload is not complete', async () => {
    const { upload, bytes, etag } = await startWithOnePart('wrong-etag.bin');
    const wrong = md5Hex(Buffer.concat([bytes, Buffer.from('x')]));
    const res = await alice.complete(upload.uploadId, upload.key, [{ PartNumber: 1, ETag: `"${wrong}"` }]);
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: 'conflict', message: expect.stringMatching(/part 1's ETag is not the one the store holds/) });
    expect((await record(upload.uploadId)).state).toBe('uploading');
    expect(await storeUploads(upload.key)).toHaveLength(1);
    // Control: the right ETag, in upper case, completes it.
    expect((await alice.complete(upload.uploadId, upload.key, [{ PartNumber: 1, ETag: unquoted(etag).toUpperCase() }])).status).toBe(200);
  });

  it('refuses a commit the store rejects (a first part under 5 MiB) with 422, and the upload stays open', async () => {
    const upload = await alice.start('too-small.bin');
    const etags = [await alice.uploadPart(upload, 1, testBytes(1000)), await alice.uploadPart(upload, 2, testBytes(1000))];
    const res = await alice.complete(upload.uploadId, upload.key, etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })));
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body).toEqual({ error: 'verification_failed', message: expect.stringMatching(/refused to commit/) });
    expect((await record(upload.uploadId)).state).toBe('uploading');
  });

  it.each([
    ['an empty parts list', { parts: [] }],
    ['no parts list', {}],
    ['a part without an ETag', { parts: [{ PartNumber: 1 }] }],
    ['part number 0', { parts: [{ PartNumber: 0, ETag: 'abc' }] }],
    ['a part listed twice', { parts: [{ PartNumber: 1, ETag: 'abc' }, { PartNumber: 1, ETag: 'abc' }] }],
  ])('refuses to complete with %s (400)', async (_what, body) => {
    const { upload } = await startWithOnePart('bad-complete.bin');
    const res = await alice.complete(upload.uploadId, upload.key, (body as { parts: [] }).parts);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body).toEqual({ error: 'bad_request', message: expect.any(String) });
    expect((await record(upload.uploadId)).state).toBe('uploading');
  });

  it('refuses to sign part numbers outside 1..10000 (400)', async () => {
    const upload = await alice.start('numbers.bin');
    for (const part of ['0', '10001', '-1', '1.5', 'abc']) {
      const res = await alice.signPart(upload.uploadId, part, upload.key);
      expect(res.status, `part ${part}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.error).toBe('bad_request');
    }
    for (const part of [1, 10000]) expect((await alice.signPart(upload.uploadId, part, upload.key)).status).toBe(200);
  });

  /** Each route about one upload, called with this key (undefined: no key at all). */
  const routesWith = (ep: UppyEndpoint, upload: UploadHandle, key: string | undefined) => [
    ['sign', () => ep.signPart(upload.uploadId, 1, key)],
    ['list', () => ep.listParts(upload.uploadId, key)],
    ['complete', () => ep.complete(upload.uploadId, key, [{ PartNumber: 1, ETag: 'abc' }])],
    ['delete', () => ep.abort(upload.uploadId, key)],
  ] as const;

  it('answers 404 to a key that is not the upload\'s, and 400 to no key, on every route; the upload is untouched', async () => {
    const { upload, etag } = await startWithOnePart('keyed.bin');
    const other = await alice.start('other.bin');
    for (const wrongKey of [`${upload.key}x`, other.key, 'acme/../keyed.bin']) {
      for (const [name, call] of routesWith(alice, upload, wrongKey)) {
        const res = await call();
        expect(res.status, `${name} with key ${wrongKey}: ${JSON.stringify(res.body)}`).toBe(404);
        expect(res.body).toEqual({ error: 'not_found', message: `upload "${upload.uploadId}" not found` });
      }
    }
    for (const [name, call] of routesWith(alice, upload, undefined)) {
      const res = await call();
      expect(res.status, `${name} without a key`).toBe(400);
      expect(res.body.error).toBe('bad_request');
      expect(res.body.message).toMatch(/key/);
    }
    expect(await storeUploads(upload.key)).toHaveLength(1);
    expect((await alice.complete(upload.uploadId, upload.key, [{ PartNumber: 1, ETag: etag }])).status).toBe(200);
  });

  it.each(['bob', 'carol', 'admin'] as const)("%s's token gets 404 on every route of alice's upload, exactly as for an unknown id; alice's upload is untouched", async (user) => {
    const { upload, bytes, etag } = await startWithOnePart(`alices-${user}.bin`);
    const intruder = await mintEndpoint(broker.app, user);
    const unknown = { ...upload, uploadId: 'uploads-doesnotexist' };
    const unknownAnswers = await Promise.all(routesWith(intruder, unknown, upload.key).map(([, call]) => call()));
    for (const [index, [name, call]] of routesWith(intruder, upload, upload.key).entries()) {
      const res = await call();
      expect(res.status, `${user} ${name}: ${JSON.stringify(res.body)}`).toBe(404);
      expect(res.body).toEqual({ error: 'not_found', message: `upload "${upload.uploadId}" not found` });
      expect(res.body.message.replace(upload.uploadId, 'ID')).toBe(unknownAnswers[index]?.body.message.replace(unknown.uploadId, 'ID'));
    }
    expect((await alice.listParts(upload.uploadId, upload.key)).body).toEqual([{ PartNumber: 1, ETag: `"${md5Hex(bytes)}"`, Size: bytes.length }]);
    expect((await record(upload.uploadId)).state).toBe('uploading');
    expect(await storeUploads(upload.key)).toHaveLength(1);
    expect((await alice.complete(upload.uploadId, upload.key, [{ PartNumber: 1, ETag: etag }])).status).toBe(200);
  });

  it('aborts: {} back, no multipart upload left in the store, the record aborted; again is 200; then nothing more is taken (409)', async () => {
    const { upload, etag } = await startWithOnePart('cancelled.bin');
    expect(await storeUploads(upload.key)).toHaveLength(1);
    const res = await alice.abort(upload.uploadId, upload.key);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    expect(await storeUploads(upload.key)).toEqual([]);
    expect((await record(upload.uploadId)).state).toBe('aborted');

    const again = await alice.abort(upload.uploadId, upload.key);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({});

    for (const [name, call] of [
      ['sign', () => alice.signPart(upload.uploadId, 2, upload.key)],
      ['list', () => alice.listParts(upload.uploadId, upload.key)],
      ['complete', () => alice.complete(upload.uploadId, upload.key, [{ PartNumber: 1, ETag: etag }])],
    ] as const) {
      const after = await call();
      expect(after.status, `${name} after abort: ${JSON.stringify(after.body)}`).toBe(409);
      expect(after.body).toEqual({ error: 'conflict', message: expect.stringMatching(/aborted/) });
    }
    expect((await record(upload.uploadId)).state).toBe('aborted');
  });
});

describe('an Uppy multipart upload left past its TTL', () => {
  it('answers 410 to sign, list and complete, and can still be aborted', async () => {
    let now = Date.now();
    const broker = buildBroker({ storages: storageConfigs(await freshStores()), clock: { now: () => now }, limits: { uploadTtlMinutes: 60 } });
    const first = await mintEndpoint(broker.app, 'alice', { ttl_seconds: 3600 });
    const upload = await first.start('paused.bin');
    const etag = await first.uploadPart(upload, 1, testBytes(1000));
    now += 61 * 60_000;
    // The first token has lapsed too; the page asks its backend for a new one.
    const alice = await mintEndpoint(broker.app, 'alice');
    for (const [name, call] of [
      ['sign', () => alice.signPart(upload.uploadId, 2, upload.key)],
      ['list', () => alice.listParts(upload.uploadId, upload.key)],
      ['complete', () => alice.complete(upload.uploadId, upload.key, [{ PartNumber: 1, ETag: etag }])],
    ] as const) {
      const res = await call();
      expect(res.status, `${name}: ${JSON.stringify(res.body)}`).toBe(410);
      expect(res.body.error).toBe('expired');
    }
    expect((await broker.as('alice').get(`/${upload.uploadId}`)).body.state).toBe('expired');
    const aborted = await alice.abort(upload.uploadId, upload.key);
    expect(aborted.status).toBe(200);
    expect((await broker.as('alice').get(`/${upload.uploadId}`)).body.state).toBe('aborted');
  });
});
