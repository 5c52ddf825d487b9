// The BlobStore contract for what the broker does in the store itself
// (initiate, list, complete, stat, verify, abort) and for the capabilities a
// store declares, run against both adapters on real servers: Swift's S3 API
// and Azurite. Parts reach the store as a client sends them (fetch with the
// SignedRequest's verb, URL and headers). Form uploads: blob-store-forms.contract.test.ts.
import { createHash } from 'node:crypto';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { SignpostError } from '../../src/domain/errors.js';
import type { BlobStore, PartDigest, StoreCapabilities } from '../../src/domain/ports.js';
import { createAzureStore } from '../../src/stores/azure.js';
import { createS3Store } from '../../src/stores/s3.js';
import { MiB, md5b64, sendSigned, testBytes } from '../support/protocol-driver.js';
import { createBucket, createContainer, s3ClientFor } from '../support/provision.js';

interface StoreUnderTest {
  make(): Promise<BlobStore>;
  /** What the store must declare. */
  capabilities: Omit<StoreCapabilities, 'limits' | 'bindsPartLength' | 'copiesParts'>;
  /** S3: every part but the last ≥ 5 MiB (Swift enforces EntityTooSmall); Azure blocks may be tiny. */
  partSizes: number[];
  /** The status a stored part answers (UploadPart 200, Put Block 201). */
  written: number;
  /** Multipart uploads the store itself still holds for a key (S3 ListMultipartUploads), where it has such a list. */
  pendingUploads?(store: BlobStore, key: string): Promise<string[]>;
}

/** S3 stores made here, by the bucket they use, for ListMultipartUploads. */
const bucketOf = new WeakMap<BlobStore, string>();

const s3: StoreUnderTest = {
  async make() {
    const options = await createBucket(inject('swift'));
    const store = createS3Store(options);
    bucketOf.set(store, options.bucket);
    return store;
  },
  capabilities: { partMd5: 'signed', needsInitiation: true, listsParts: true, listsPartMd5: true, formUploads: true, checksSha256: false, checksums: { md5: 'enforced', sha1: 'unchecked', sha256: 'unchecked', crc32c: 'unchecked' } },
  partSizes: [5 * MiB, 5 * MiB, 1024],
  written: 200,
  async pendingUploads(store, key) {
    const client = s3ClientFor(inject('swift'));
    try {
      const answer = await client.send(new ListMultipartUploadsCommand({ Bucket: bucketOf.get(store), Prefix: key }));
      return (answer.Uploads ?? []).filter((upload) => upload.Key === key).map((upload) => upload.UploadId ?? '');
    } finally {
      client.destroy();
    }
  },
};

const azure: StoreUnderTest = {
  make: async () => createAzureStore(await createContainer(inject('azurite'))),
  capabilities: { partMd5: 'if-sent', needsInitiation: false, listsParts: true, listsPartMd5: false, formUploads: false, checksSha256: false, checksums: { md5: 'if-sent', crc64: 'if-sent' } },
  partSizes: [3000, 1000, 17],
  written: 201,
};

const TTL = 300;
const MIME = 'application/octet-stream';
const UNKNOWN_UPLOAD = 'bm8tc3VjaC11cGxvYWQ';
let keySeq = 0;
const newKey = () => `operations/${Date.now()}-${++keySeq}.bin`;
const hex = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
const digestsOf = (parts: Buffer[], first = 1): PartDigest[] => parts.map((bytes, i) => ({ part: first + i, md5: md5b64(bytes) }));

/** A part as a client sends it; `md5: false` signs none and sends no headers at all, as Uppy does. */
async function putPart(store: BlobStore, key: string, resumableId: string, part: number, bytes: Buffer, { md5 = true } = {}): Promise<Response> {
  const signed = await store.presignPart({ key, resumableId, part, ...(md5 ? { md5: md5b64(bytes), size: bytes.length } : {}), expiresInSeconds: TTL });
  if (!md5) {
    expect(signed.headers).toEqual({});
    return fetch(signed.url, { method: signed.verb, body: bytes as BodyInit });
  }
  return sendSigned(signed, bytes);
}

async function expectStored(response: Response, sut: StoreUnderTest): Promise<void> {
  expect(response.status, await response.text()).toBe(sut.written);
}

async function expectVerificationFailed(attempt: Promise<unknown>): Promise<SignpostError> {
  const error = await attempt.then(
    () => { throw new Error('expected completeMultipart to be refused'); },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SignpostError);
  expect((error as SignpostError).code, (error as Error).message).toBe('verification_failed');
  return error as SignpostError;
}

describe.each([
  ['s3', s3],
  ['azure', azure],
] as const)('BlobStore operations contract: %s', (name, sut) => {
  let store: BlobStore;
  beforeAll(async () => {
    store = await sut.make();
  });

  describe('capabilities are true to behaviour', () => {
    it('declares what it does', () => {
      expect(store.capabilities).toMatchObject(sut.capabilities);
    });

    it('needsInitiation: an id from the store where declared (no id, no part), none needed otherwise', async () => {
      const key = newKey();
      const { resumableId } = await store.initiateMultipart({ key, mime: MIME });
      if (store.capabilities.needsInitiation) {
        expect(resumableId).not.toBe('');
        await expect(store.presignPart({ key, resumableId: '', part: 1, expiresInSeconds: TTL })).rejects.toMatchObject({ code: 'conflict' });
        // An id the store never issued: the store itself refuses the part (NoSuchUpload).
        expect((await putPart(store, key, UNKNOWN_UPLOAD, 1, testBytes(16))).status).toBe(404);
      } else {
        expect(resumableId).toBe('');
      }
      // Either way, what initiate answered is all a part needs.
      await expectStored(await putPart(store, key, resumableId, 1, testBytes(1024)), sut);
      expect(await store.listUploadedParts({ key, resumableId })).toEqual([expect.objectContaining({ part: 1, size: 1024 })]);
      await store.abort({ key, resumableId });
    });

    it("partMd5: 'signed' refuses a part sent without its Content-MD5, 'if-sent' takes it; both check one that is sent", async () => {
      const key = newKey();
      const { resumableId } = await store.initiateMultipart({ key, mime: MIME });
      const bytes = testBytes(2048);
      const signed = await store.presignPart({ key, resumableId, part: 1, md5: md5b64(bytes), expiresInSeconds: TTL });
      expect(signed.headers['Content-MD5']).toBe(md5b64(bytes));
      const withoutHeader = await sendSigned({ ...signed, headers: {} }, bytes);
      expect(withoutHeader.status).toBe(store.capabilities.partMd5 === 'signed' ? 403 : sut.written);
      expect((await sendSigned(signed, testBytes(2048))).status).toBe(400);
      await store.abort({ key, resumableId });
    });

    it('listsParts / listsPartMd5: parts are listed with sizes, and with each MD5 where declared', async () => {
      const key = newKey();
      const { resumableId } = await store.initiateMultipart({ key, mime: MIME });
      const parts = [testBytes(700), testBytes(300)];
      await expectStored(await putPart(store, key, resumableId, 1, parts[0]!), sut);
      await expectStored(await putPart(store, key, resumableId, 2, parts[1]!, { md5: false }), sut);
      const listed = await store.listUploadedParts({ key, resumableId });
      expect(listed.map((p) => [p.part, p.size])).toEqual([[1, 700], [2, 300]]);
      // Where declared, the MD5 comes from the store, also for the part whose URL bound none.
      expect(listed.map((p) => p.md5Hex)).toEqual(store.capabilities.listsPartMd5 ? parts.map(hex) : [undefined, undefined]);
      await store.abort({ key, resumableId });
    });

    it('formUploads: a signed form where declared, bad_request otherwise', async () => {
      const form = store.presignForm({ key: newKey(), mime: MIME, minSize: 1, maxSize: 1024, expiresInSeconds: TTL });
      if (store.capabilities.formUploads) {
        expect(await form).toMatchObject({ url: expect.stringMatching(/^http/), fields: { Policy: expect.any(String) } });
      } else {
        await expect(form).rejects.toBeInstanceOf(SignpostError);
        await expect(form).rejects.toMatchObject({ code: 'bad_request' });
      }
    });
  });

  it('broker-run multipart: initiate, client PUTs (with and without MD5), list, complete, verify, read back', async () => {
    const key = newKey();
    const mime = 'video/mp4';
    const { resumableId } = await store.initiateMultipart({ key, mime });
    const parts = sut.partSizes.map((size) => testBytes(size));
    // Part 1 as a client that sends the returned headers; the rest as Uppy: no MD5, no headers at all.
    for (const [i, bytes] of parts.entries()) await expectStored(await putPart(store, key, resumableId, i + 1, bytes, { md5: i === 0 }), sut);

    const listed = await store.listUploadedParts({ key, resumableId });
    expect(listed.map((p) => [p.part, p.size])).toEqual(parts.map((bytes, i) => [i + 1, bytes.length]));
    // The broker signed no MD5 for parts 2 and 3: where the store lists MD5s, the commit is built from them.
    const digests = store.capabilities.listsPartMd5
      ? listed.map((p) => ({ part: p.part, md5: Buffer.from(p.md5Hex ?? '', 'hex').toString('base64') }))
      : digestsOf(parts);
    expect(digests).toEqual(digestsOf(parts));

    const whole = Buffer.concat(parts);
    await store.completeMultipart({ key, resumableId, parts: digests, mime, fileMd5: md5b64(whole) });
    expect(await store.statObject({ key })).toEqual({ size: whole.length });
    const expected = { key, size: whole.length, kind: 'chunked' as const, fileMd5: md5b64(whole), parts: digests, partSizes: new Map(parts.map((bytes, i) => [i + 1, bytes.length])) };
    // Azure reads a block blob back to prove its bytes (a block's MD5 is checked only when sent): its SHA-256 comes with it.
    const readBack = store.capabilities.partMd5 === 'if-sent' ? { sha256: createHash('sha256').update(whole).digest('hex') } : {};
    expect(await store.verifyObject(expected)).toEqual({ ok: true, size: whole.length, ...readBack });
    // Control: the same object against a record of other parts does not verify.
    expect(await store.verifyObject({ ...expected, fileMd5: md5b64(testBytes(4)), parts: digests.slice(0, 2) })).toMatchObject({ ok: false });

    const read = await fetch(await store.presignRead({ key, expiresInSeconds: TTL }));
    expect(read.status).toBe(200);
    expect(read.headers.get('content-type')).toBe(mime);
    expect(Buffer.from(await read.arrayBuffer()).equals(whole)).toBe(true);
    // Committed: no unfinished upload is left. (Swift's ListParts still answers for a
    // completed upload id, where AWS says NoSuchUpload: ask ListMultipartUploads there.)
    if (sut.pendingUploads) expect(await sut.pendingUploads(store, key)).toEqual([]);
    else expect(await store.listUploadedParts({ key, resumableId })).toEqual([]);
  });

  // Swift answers AbortMultipartUpload of a completed upload with 404 NoSuchKey (AWS: NoSuchUpload);
  // abort must take both as "gone" and still delete the object.
  it('abort after completeMultipart deletes the object (DELETE of a finished upload), and a second abort resolves', async () => {
    const key = newKey();
    const { resumableId } = await store.initiateMultipart({ key, mime: MIME });
    const bytes = testBytes(1024);
    await expectStored(await putPart(store, key, resumableId, 1, bytes), sut);
    await store.completeMultipart({ key, resumableId, parts: digestsOf([bytes]), mime: MIME });
    expect(await store.statObject({ key })).toEqual({ size: 1024 });
    await store.abort({ key, resumableId });
    expect(await store.statObject({ key })).toBeUndefined();
    await expect(store.abort({ key, resumableId })).resolves.toBeUndefined();
  });

  it('completeMultipart naming a part the store does not hold → verification_failed; the upload stays, no object', async () => {
    const key = newKey();
    const { resumableId } = await store.initiateMultipart({ key, mime: MIME });
    const held = testBytes(1024);
    await expectStored(await putPart(store, key, resumableId, 2, held), sut);
    const [never] = digestsOf([testBytes(1024)]);
    const error = await expectVerificationFailed(store.completeMultipart({ key, resumableId, parts: [never!, ...digestsOf([held], 2)], mime: MIME }));
    if (name === 's3') expect(error.message).toContain('InvalidPart');

    expect(await store.listUploadedParts({ key, resumableId })).toEqual([expect.objectContaining({ part: 2, size: 1024 })]);
    expect(await store.statObject({ key })).toBeUndefined();
    // Control: named by exactly what it holds, the same upload commits.
    await store.completeMultipart({ key, resumableId, parts: digestsOf([held], 2), mime: MIME });
    expect(await store.statObject({ key })).toEqual({ size: 1024 });
  });

  it('completeMultipart with a wrong MD5 for a held part: refused where the store knows part MD5s (S3), not where it cannot (Azure)', async () => {
    const key = newKey();
    const { resumableId } = await store.initiateMultipart({ key, mime: MIME });
    const held = testBytes(1024);
    await expectStored(await putPart(store, key, resumableId, 1, held), sut);
    const wrong = { part: 1, md5: md5b64(testBytes(1024)) };
    if (!store.capabilities.listsPartMd5) {
      // Azure's Put Block List names blocks, not digests: the broker must not rely on it here.
      await store.completeMultipart({ key, resumableId, parts: [wrong], mime: MIME });
      expect(await store.statObject({ key })).toEqual({ size: 1024 });
      return;
    }
    const error = await expectVerificationFailed(store.completeMultipart({ key, resumableId, parts: [wrong], mime: MIME }));
    expect(error.message).toContain('InvalidPart');

    expect(await store.listUploadedParts({ key, resumableId })).toEqual([{ part: 1, size: 1024, md5Hex: hex(held) }]);
    expect(await sut.pendingUploads!(store, key)).toEqual([resumableId]);
    expect(await store.statObject({ key })).toBeUndefined();
    // Control: with the part's own MD5 the same upload commits.
    await store.completeMultipart({ key, resumableId, parts: digestsOf([held]), mime: MIME });
    expect(await store.statObject({ key })).toEqual({ size: 1024 });
  });

  it('abort after initiate and parts: nothing listed, no object, no upload left at the store; a second abort resolves', async () => {
    const key = newKey();
    const { resumableId } = await store.initiateMultipart({ key, mime: MIME });
    await expectStored(await putPart(store, key, resumableId, 1, testBytes(512)), sut);
    await expectStored(await putPart(store, key, resumableId, 2, testBytes(256), { md5: false }), sut);
    // Control: before the abort the store holds the upload.
    expect(await store.listUploadedParts({ key, resumableId })).toHaveLength(2);
    if (sut.pendingUploads) expect(await sut.pendingUploads(store, key)).toEqual([resumableId]);

    await store.abort({ key, resumableId });
    expect(await store.listUploadedParts({ key, resumableId })).toEqual([]);
    expect(await store.statObject({ key })).toBeUndefined();
    if (sut.pendingUploads) expect(await sut.pendingUploads(store, key)).toEqual([]);
    await expect(store.abort({ key, resumableId })).resolves.toBeUndefined();
    expect(await store.listUploadedParts({ key, resumableId })).toEqual([]);
  });
});
