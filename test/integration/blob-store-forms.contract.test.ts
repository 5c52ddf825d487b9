// BlobStore.presignForm on real servers. Swift's s3api has no POST policy
// (S3NotImplemented), so the S3 store is pointed at the POST-policy gateway
// (test/e2e/support/post-policy-gateway.ts): it checks the policy and its SigV4
// signature as AWS documents them and stores a form that passes with a signed
// PutObject to Swift; every other request (the store's own HEAD, the presigned
// GET) passes through to Swift unchanged. Azure has no form uploads at all.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SignpostError } from '../../src/domain/errors.js';
import type { BlobStore, SignedPost } from '../../src/domain/ports.js';
import { createAzureStore } from '../../src/stores/azure.js';
import { createS3Store } from '../../src/stores/s3.js';
import { startPostPolicyGateway, type PostPolicyGateway } from '../e2e/support/post-policy-gateway.js';
import { testBytes } from '../support/protocol-driver.js';
import { createBucket, createContainer } from '../support/provision.js';

const TTL = 300;
const MIME = 'image/png';
const MAX_SIZE = 64 * 1024;
let keySeq = 0;
const newKey = () => `forms/${Date.now()}-${++keySeq} ünï.png`;

/** As a browser sends it: every field in order, the file last. */
function post(form: SignedPost, bytes: Buffer, changed: Record<string, string> = {}): Promise<Response> {
  const body = new FormData();
  for (const [name, value] of Object.entries({ ...form.fields, ...changed })) body.set(name, value);
  body.set('file', new Blob([Uint8Array.from(bytes)]), 'upload.png');
  return fetch(form.url, { method: 'POST', body });
}

describe('S3 presignForm, posted through the POST-policy gateway in front of Swift', () => {
  let gateway: PostPolicyGateway;
  let store: BlobStore;
  beforeAll(async () => {
    const swift = inject('swift');
    const [options, started] = await Promise.all([createBucket(swift), startPostPolicyGateway(swift)]);
    gateway = started;
    store = createS3Store({ ...options, endpoint: gateway.endpoint });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const presign = (key: string) => store.presignForm({ key, mime: MIME, minSize: 1, maxSize: MAX_SIZE, expiresInSeconds: TTL });

  async function expectRefused(response: Response, ...keys: string[]): Promise<void> {
    const text = await response.text();
    expect(response.status, text).toBe(403);
    expect(text).toContain('<Code>AccessDenied</Code>');
    for (const key of keys) expect(await store.statObject({ key })).toBeUndefined();
  }

  it('the fields name the key and type; the policy binds them and the size range', async () => {
    const key = newKey();
    const form = await presign(key);
    expect(form.fields).toMatchObject({ key, 'Content-Type': MIME });
    const policy = JSON.parse(Buffer.from(form.fields['Policy'] ?? '', 'base64').toString('utf8')) as { conditions: unknown[] };
    expect(policy.conditions).toEqual(expect.arrayContaining([{ key }, ['eq', '$Content-Type', MIME], ['content-length-range', 1, MAX_SIZE]]));
  });

  it('a file within the range is stored: its size, its bytes, the policy’s type', async () => {
    const key = newKey();
    // The range's upper bound is inclusive.
    const bytes = testBytes(MAX_SIZE);
    const response = await post(await presign(key), bytes);
    expect(response.status, await response.text()).toBe(204);
    expect(await store.statObject({ key })).toEqual({ size: bytes.length });
    const read = await fetch(await store.presignRead({ key, expiresInSeconds: TTL }));
    expect(read.status).toBe(200);
    expect(read.headers.get('content-type')).toBe(MIME);
    expect(Buffer.from(await read.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('a file larger than maxSize is refused (403) and nothing is stored', async () => {
    const key = newKey();
    await expectRefused(await post(await presign(key), testBytes(MAX_SIZE + 1)), key);
    expect(gateway.posts.at(-1)?.reason).toContain('content-length-range');
  });

  it('another key or another type than the policy’s is refused, and nothing is stored', async () => {
    const key = newKey();
    const form = await presign(key);
    const elsewhere = `${key}.elsewhere`;
    await expectRefused(await post(form, testBytes(100), { key: elsewhere }), key, elsewhere);
    await expectRefused(await post(form, testBytes(100), { 'Content-Type': 'text/html' }), key);
  });
});

describe('Azure presignForm', () => {
  it('is refused as a bad request: Azure has no POST policy', async () => {
    const store = createAzureStore(await createContainer(inject('azurite')));
    const attempt = store.presignForm({ key: newKey(), mime: MIME, minSize: 1, maxSize: MAX_SIZE, expiresInSeconds: TTL });
    await expect(attempt).rejects.toBeInstanceOf(SignpostError);
    await expect(attempt).rejects.toMatchObject({ code: 'bad_request' });
  });
});
