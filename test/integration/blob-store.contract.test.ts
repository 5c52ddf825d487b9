// The BlobStore contract, run against both adapters on real servers: Swift's
// S3 API and Azurite. Bytes go to the store with fetch exactly as a client
// sends them: the verb, URL and headers of the SignedRequest, and the body.
import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../scripts/servers/ports.js';
import { SignpostError } from '../../src/domain/errors.js';
import { createAzureStore } from '../../src/stores/azure.js';
import type { BlobStore, SignedRequest } from '../../src/domain/ports.js';
import { createS3Store } from '../../src/stores/s3.js';
import type { StoreRuntime } from '../../src/stores/transport.js';
import { MiB, md5b64, sendSigned, testBytes } from '../support/protocol-driver.js';
import { createBucket, createContainer } from '../support/provision.js';
import { untilExpired } from '../support/url-expiry.js';

interface StoreUnderTest {
  /** A store on a fresh bucket / container. */
  make(runtime?: StoreRuntime): Promise<BlobStore>;
  /** A store whose endpoint is somewhere else (closed port, silent server). */
  at(endpoint: string, runtime?: StoreRuntime): BlobStore;
  endpointOn(port: number): string;
  /** S3: every part but the last ≥ 5 MiB (Swift enforces EntityTooSmall); Azure blocks may be tiny. */
  partSizes: number[];
  /** The query parameter holding the signature. */
  signatureParam: string;
  /** Shared-key Azure SAS cannot bind request headers; SigV4 can. */
  bindsHeaders: boolean;
  /** The status a successful write (PUT Object / UploadPart / commit vs Put Blob / Put Block / Put Block List) answers. */
  written: number;
  /** The server's own error code for each refusal the contract provokes (Azurite says InvalidOperation where Azure says Md5Mismatch). */
  codes: { badDigest: string; badSignature: string; expired: string; invalidCommit: string };
}

const makeS3: StoreUnderTest = {
  make: async (runtime) => createS3Store(await createBucket(inject('swift')), runtime),
  at: (endpoint, runtime) => createS3Store({ ...inject('swift'), endpoint, bucket: 'nowhere', signContentLength: true }, runtime),
  endpointOn: (port) => `http://127.0.0.1:${port}`,
  partSizes: [5 * MiB, 5 * MiB, 1024],
  signatureParam: 'X-Amz-Signature',
  bindsHeaders: true,
  written: 200,
  codes: { badDigest: 'BadDigest', badSignature: 'SignatureDoesNotMatch', expired: 'AccessDenied', invalidCommit: 'InvalidPart' },
};

const makeAzure: StoreUnderTest = {
  make: async (runtime) => createAzureStore(await createContainer(inject('azurite')), runtime),
  at: (endpoint, runtime) => createAzureStore({ ...inject('azurite'), endpoint, container: 'nowhere' }, runtime),
  endpointOn: (port) => `http://127.0.0.1:${port}/devstoreaccount1`,
  partSizes: [3000, 1000, 17],
  signatureParam: 'sig',
  bindsHeaders: false,
  written: 201,
  codes: { badDigest: 'InvalidOperation', badSignature: 'AuthorizationFailure', expired: 'AuthorizationFailure', invalidCommit: 'InvalidBlockList' },
};

const TTL = 300;
const MIME = 'application/octet-stream';
const ODD_KEY = 'tenant/ünï cödé +&=%#?.bin';
let keySeq = 0;
const newKey = () => `uploads/${Date.now()}-${++keySeq}.bin`;

/** The store's own error code: Azure's x-ms-error-code header, S3's <Code>. */
async function storeCode(response: Response): Promise<string | undefined> {
  return (await storeError(response)).code;
}

/** The store's error code and the whole error body (its message says why). */
async function storeError(response: Response): Promise<{ code: string | undefined; text: string }> {
  const text = await response.text();
  return { code: response.headers.get('x-ms-error-code') ?? /<Code>([^<]+)<\/Code>/.exec(text)?.[1], text };
}

/** A refusal for a body that does not match its signed Content-MD5, and not for some other reason. */
async function expectDigestRefusal(response: Response, sut: StoreUnderTest): Promise<void> {
  expect(response.status).toBe(400);
  const { code, text } = await storeError(response);
  expect(code, text).toBe(sut.codes.badDigest);
  expect(text).toMatch(/md5/i);
}

function withSignature(request: SignedRequest, param: string, change: (sig: string) => string): SignedRequest {
  const url = new URL(request.url);
  const sig = url.searchParams.get(param);
  if (sig === null) throw new Error(`no ${param} in ${request.url}`);
  url.searchParams.set(param, change(sig));
  return { ...request, url: url.toString() };
}

const flipFirstChar = (sig: string) => (sig.startsWith('a') ? 'b' : 'a') + sig.slice(1);
const ref = (key: string, resumableId: string | undefined) => (resumableId === undefined ? { key } : { key, resumableId });

/** Start a chunked upload as a client does: S3 sends the signed POST ?uploads and reads <UploadId>; Azure has nothing to send. */
async function beginChunked(store: BlobStore, key: string): Promise<string | undefined> {
  const init = await store.presignInit({ key, mime: MIME, expiresInSeconds: TTL });
  if (init.url === '') return undefined;
  const response = await sendSigned(init);
  expect(response.status).toBe(200);
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(await response.text())?.[1];
  expect(uploadId).toBeTruthy();
  return uploadId;
}

async function putPart(store: BlobStore, key: string, resumableId: string | undefined, part: number, bytes: Buffer, body: Buffer = bytes, extraHeaders: Record<string, string> = {}) {
  const signed = await store.presignPart({ ...ref(key, resumableId), part, md5: md5b64(bytes), size: bytes.length, expiresInSeconds: TTL });
  return sendSigned(signed, body, extraHeaders);
}

/** What SigV4 bound into a presigned S3 URL. */
const signedHeaders = (url: string) => new URL(url).searchParams.get('X-Amz-SignedHeaders');

describe.each([
  ['s3', makeS3],
  ['azure', makeAzure],
] as const)('BlobStore contract: %s', (name, sut) => {
  let store: BlobStore;
  beforeAll(async () => {
    // A page of two parts makes the three-part upload below exercise ListParts paging.
    store = await sut.make({ transport: { listPageSize: 2 } });
  });

  it('direct upload: the store keeps the exact bytes, stat reports them, a presigned read returns them', async () => {
    const bytes = testBytes(64 * 1024);
    const md5 = md5b64(bytes);
    const signed = await store.presignDirectPut({ key: ODD_KEY, md5, size: bytes.length, mime: 'image/png', expiresInSeconds: TTL });
    expect((await sendSigned(signed, bytes)).status).toBe(sut.written);

    const stat = await store.statObject({ key: ODD_KEY });
    expect(stat?.size).toBe(bytes.length);
    // The store's own evidence (S3 ETag, Azure's computed Content-MD5) matches the signed MD5, and no other.
    const expected = { key: ODD_KEY, size: bytes.length, kind: 'direct' as const, fileMd5: md5, parts: [], partSizes: new Map<number, number>() };
    expect(await store.verifyObject(expected)).toEqual({ ok: true, size: bytes.length });
    expect(await store.verifyObject({ ...expected, fileMd5: md5b64(testBytes(3)) })).toMatchObject({ ok: false, reason: expect.stringMatching(/MD5/) });
    expect(await store.verifyObject({ ...expected, size: bytes.length + 1 })).toMatchObject({ ok: false, reason: expect.stringMatching(/bytes/) });

    const read = await fetch(await store.presignRead({ key: ODD_KEY, expiresInSeconds: TTL, fileName: 'résumé "1".png', mime: 'image/png' }));
    expect(read.status).toBe(200);
    expect(read.headers.get('content-disposition')).toContain(`filename*=UTF-8''r%C3%A9sum%C3%A9%20%221%22.png`);
    expect(read.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await read.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('direct upload: other bytes than the signed MD5 are refused by the store', async () => {
    const bytes = testBytes(1024);
    const signed = await store.presignDirectPut({ key: newKey(), md5: md5b64(bytes), size: bytes.length, mime: MIME, expiresInSeconds: TTL });
    const tampered = Buffer.from(bytes);
    tampered[0] = (tampered[0] ?? 0) ^ 0xff;
    await expectDigestRefusal(await sendSigned(signed, tampered), sut);
  });

  it('signed headers: leaving out Content-MD5 is refused where the signature binds it (S3), accepted where it cannot (Azure SAS)', async () => {
    const bytes = testBytes(1024);
    const signed = await store.presignDirectPut({ key: newKey(), md5: md5b64(bytes), size: bytes.length, mime: MIME, expiresInSeconds: TTL });
    const { 'Content-MD5': _omitted, ...rest } = signed.headers;
    const response = await sendSigned({ ...signed, headers: rest }, bytes);
    expect(response.status).toBe(sut.bindsHeaders ? 403 : sut.written);
    if (name === 's3') {
      // What the presigner really signs: content-type only because we ask (it marks it unsignable by default);
      // never on parts (the SDK gives UploadPart a content-type of its own) nor on the commit.
      expect(signedHeaders(signed.url)).toBe('content-length;content-md5;content-type;host');
      const key = newKey();
      const resumableId = await beginChunked(store, key);
      expect(signedHeaders((await store.presignInit({ key, mime: MIME, expiresInSeconds: TTL })).url)).toBe('content-type;host');
      const part = await store.presignPart({ ...ref(key, resumableId), part: 1, md5: md5b64(bytes), size: bytes.length, expiresInSeconds: TTL });
      expect(signedHeaders(part.url)).toBe('content-length;content-md5;host');
      const commit = await store.presignCommit({ ...ref(key, resumableId), parts: [{ part: 1, md5: md5b64(bytes) }], fileMd5: md5b64(bytes), mime: MIME, expiresInSeconds: TTL });
      expect(signedHeaders(commit.url)).toBe('host');
      // Content-Length is bound too: other bytes of another length (with their own MD5) are refused.
      const longer = testBytes(bytes.length + 1);
      expect((await sendSigned({ ...part, headers: { 'Content-MD5': md5b64(longer) } }, longer)).status).toBe(403);
    }
  });

  it('chunked upload: parts are listed with sizes, the presigned commit builds the object, stat verifies it', async () => {
    const key = newKey();
    const resumableId = await beginChunked(store, key);
    const parts = sut.partSizes.map((size) => testBytes(size));
    // A browser sends its Blob's own type with each part: that must not matter.
    const statuses = await Promise.all(parts.map(async (bytes, i) => (await putPart(store, key, resumableId, i + 1, bytes, bytes, { 'Content-Type': 'video/mp4' })).status));
    expect(statuses).toEqual(parts.map(() => sut.written));

    const listed = await store.listUploadedParts(ref(key, resumableId));
    expect(listed.map((p) => [p.part, p.size])).toEqual(parts.map((bytes, i) => [i + 1, bytes.length]));
    if (name === 's3') expect(listed.map((p) => p.md5Hex)).toEqual(parts.map((b) => createHash('md5').update(b).digest('hex')));
    // Told how many parts to expect, a paging store asks for its pages at once: the same answer.
    expect(await store.listUploadedParts({ ...ref(key, resumableId), expectedParts: parts.length })).toEqual(listed);

    const whole = Buffer.concat(parts);
    const digests = parts.map((bytes, part) => ({ part: part + 1, md5: md5b64(bytes) }));
    const commit = await store.presignCommit({ ...ref(key, resumableId), parts: digests, fileMd5: md5b64(whole), mime: MIME, expiresInSeconds: TTL });
    const committed = await sendSigned(commit, commit.body);
    expect(committed.status, await committed.clone().text()).toBe(sut.written);

    const stat = await store.statObject({ key });
    expect(stat?.size).toBe(whole.length);
    // S3: the multipart ETag is md5(concat part md5s)-N; Azure: the committed block list is the parts, sized.
    const expected = { key, size: whole.length, kind: 'chunked' as const, fileMd5: md5b64(whole), parts: digests, partSizes: new Map(parts.map((bytes, i) => [i + 1, bytes.length])) };
    // Azure reads a block blob back to prove its bytes (a block's MD5 is checked only when sent): its SHA-256 comes with it.
    const readBack = store.capabilities.partMd5 === 'if-sent' ? { sha256: createHash('sha256').update(whole).digest('hex') } : {};
    expect(await store.verifyObject(expected)).toEqual({ ok: true, size: whole.length, ...readBack });
    const reordered = { ...expected, fileMd5: md5b64(testBytes(5)), parts: [digests[1]!, digests[0]!, digests[2]!].map((d, i) => ({ part: i + 1, md5: d.md5 })) };
    expect(await store.verifyObject(name === 's3' ? reordered : { ...expected, parts: digests.slice(0, 2) })).toMatchObject({ ok: false });
    const read = await fetch(await store.presignRead({ key, expiresInSeconds: TTL }));
    expect(read.status).toBe(200);
    expect(Buffer.from(await read.arrayBuffer()).equals(whole)).toBe(true);
  });

  it('a part whose bytes differ from its signed MD5 is refused by the store', async () => {
    const key = newKey();
    const resumableId = await beginChunked(store, key);
    const bytes = testBytes(2048);
    await expectDigestRefusal(await putPart(store, key, resumableId, 1, bytes, testBytes(2048)), sut);
    expect(await store.listUploadedParts(ref(key, resumableId))).toEqual([]);
  });

  it('a tampered signature is refused (403)', async () => {
    const key = newKey();
    const resumableId = await beginChunked(store, key);
    const bytes = testBytes(1024);
    const signed = await store.presignPart({ ...ref(key, resumableId), part: 1, md5: md5b64(bytes), size: bytes.length, expiresInSeconds: TTL });
    const response = await sendSigned(withSignature(signed, sut.signatureParam, flipFirstChar), bytes);
    expect(response.status).toBe(403);
    expect(await storeCode(response)).toBe(sut.codes.badSignature);
  });

  it('an expired URL is refused (403)', async () => {
    const bytes = testBytes(1024);
    const signed = await store.presignDirectPut({ key: newKey(), md5: md5b64(bytes), size: bytes.length, mime: MIME, expiresInSeconds: 1 });
    await untilExpired(signed.url);
    const response = await sendSigned(signed, bytes);
    expect(response.status).toBe(403);
    expect(await storeCode(response)).toBe(sut.codes.expired);
  });

  it('a commit naming a part that was never uploaded fails at the store (400)', async () => {
    const key = newKey();
    const resumableId = await beginChunked(store, key);
    const never = testBytes(16);
    const commit = await store.presignCommit({ ...ref(key, resumableId), parts: [{ part: 1, md5: md5b64(never) }], fileMd5: md5b64(never), mime: MIME, expiresInSeconds: TTL });
    const response = await sendSigned(commit, commit.body);
    expect(response.status).toBe(400);
    expect(await storeCode(response)).toBe(sut.codes.invalidCommit);
    expect(await store.statObject({ key })).toBeUndefined();
  });

  it('abort drops staged parts and the object, and is idempotent', async () => {
    const key = newKey();
    const resumableId = await beginChunked(store, key);
    expect((await putPart(store, key, resumableId, 1, testBytes(512))).status).toBe(sut.written);
    expect(await store.listUploadedParts(ref(key, resumableId))).toHaveLength(1);
    await store.abort(ref(key, resumableId));
    await store.abort(ref(key, resumableId));
    expect(await store.listUploadedParts(ref(key, resumableId))).toEqual([]);
    expect(await store.statObject({ key })).toBeUndefined();

    const bytes = testBytes(100);
    const direct = await store.presignDirectPut({ key, md5: md5b64(bytes), size: bytes.length, mime: MIME, expiresInSeconds: TTL });
    expect((await sendSigned(direct, bytes)).status).toBe(sut.written);
    await store.abort({ key });
    expect(await store.statObject({ key })).toBeUndefined();
  });

  it('a missing object or upload is undefined / [] rather than an error', async () => {
    expect(await store.statObject({ key: newKey() })).toBeUndefined();
    expect(await store.listUploadedParts({ key: newKey(), resumableId: 'bm8tc3VjaC11cGxvYWQ' })).toEqual([]);
    await store.abort({ key: newKey(), resumableId: 'bm8tc3VjaC11cGxvYWQ' });
  });

  it('resume listing: S3 hands out a presigned ListParts GET, Azure has nothing to ask', async () => {
    const key = newKey();
    const resumableId = await beginChunked(store, key);
    const listing = await store.presignListParts({ ...ref(key, resumableId), expiresInSeconds: TTL });
    if (name === 'azure') return expect(listing).toEqual({ verb: 'GET', url: '', headers: {} });
    const response = await sendSigned(listing);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(`<UploadId>${resumableId}</UploadId>`);
  });

  describe('a store that does not answer', () => {
    let silent: Server;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      // Accepts connections and never answers: a hung store.
      silent = createServer((socket) => sockets.add(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    it('down (closed port) → SignpostError store_unavailable, never a raw SDK error', async () => {
      const down = sut.at(sut.endpointOn(await freePort()), { transport: { maxAttempts: 2 } });
      for (const attempt of [() => down.statObject({ key: 'k' }), () => down.listUploadedParts({ key: 'k', resumableId: 'u' }), () => down.abort({ key: 'k', resumableId: 'u' })]) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SignpostError);
        expect((error as SignpostError).code).toBe('store_unavailable');
      }
    });

    it('silent → SignpostError store_timeout', async () => {
      const address = silent.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      const hung = sut.at(sut.endpointOn(address.port), { transport: { requestTimeoutMs: 300, maxAttempts: 1 } });
      const error = await hung.statObject({ key: 'k' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SignpostError);
      expect((error as SignpostError).code).toBe('store_timeout');
    });
  });
});
