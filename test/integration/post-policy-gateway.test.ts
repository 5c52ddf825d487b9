// The POST-policy gateway the Uppy browser tests put in front of Swift
// (test/e2e/support/post-policy-gateway.ts): forms made by the AWS SDK's own
// createPresignedPost are stored in the real Swift, and every way AWS refuses
// a form is refused here too, with nothing stored.
import { createHash, randomBytes } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost, type PresignedPostOptions } from '@aws-sdk/s3-presigned-post';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { S3StoreOptions } from '../../src/stores/options.js';
import { startPostPolicyGateway, type PostPolicyGateway } from '../e2e/support/post-policy-gateway.js';
import { createBucket, s3ClientFor } from '../support/provision.js';

let gateway: PostPolicyGateway;
let store: S3StoreOptions;
/** Signs forms whose URL is the gateway's. */
let signer: S3Client;
/** Reads Swift directly, not through the gateway. */
let swift: S3Client;

beforeAll(async () => {
  const facts = inject('swift');
  [store, gateway] = await Promise.all([createBucket(facts), startPostPolicyGateway(facts)]);
  signer = clientAt(gateway.endpoint, facts.accessKeyId, facts.secretAccessKey);
  swift = s3ClientFor(facts);
});

afterAll(async () => {
  signer?.destroy();
  swift?.destroy();
  await gateway?.close();
});

function clientAt(endpoint: string, accessKeyId: string, secretAccessKey: string): S3Client {
  return new S3Client({ region: inject('swift').region, endpoint, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey }, requestChecksumCalculation: 'WHEN_REQUIRED' });
}

type Form = Awaited<ReturnType<typeof createPresignedPost>>;

async function presign(key: string, options: Partial<PresignedPostOptions> = {}, client: S3Client = signer): Promise<Form> {
  // s3-presigned-post pins its own client-s3 version; the client is the same at run time.
  return createPresignedPost(client as unknown as Parameters<typeof createPresignedPost>[0], { Bucket: store.bucket, Key: key, Expires: 300, ...options });
}

/** As a browser sends it: the fields in order, then the file last. */
async function post(form: Form, bytes: Buffer, extra: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<Response> {
  const body = new FormData();
  for (const [name, value] of Object.entries({ ...form.fields, ...extra })) body.set(name, value);
  body.set('file', new Blob([Uint8Array.from(bytes)]), 'upload.bin');
  return fetch(form.url, { method: 'POST', body, headers });
}

async function keysInBucket(): Promise<string[]> {
  const listing = await swift.send(new ListObjectsV2Command({ Bucket: store.bucket }));
  return (listing.Contents ?? []).map((object) => object.Key!);
}

async function expectRefused(res: Response, key: string): Promise<void> {
  const text = await res.text();
  expect(res.status, text).toBe(403);
  expect(text).toContain('<Code>AccessDenied</Code>');
  expect(await keysInBucket()).not.toContain(key);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('post-policy gateway in front of Swift', () => {
  it('stores a valid form with a signed PutObject: the bytes and Content-Type read back from Swift', async () => {
    const bytes = randomBytes(300_000);
    const form = await presign('valid/one.bin', {
      Fields: { 'Content-Type': 'application/x-test', success_action_status: '201', 'x-amz-meta-name': 'one.bin' },
      Conditions: [['content-length-range', 1, 1_000_000]],
    });
    const res = await post(form, bytes);
    const text = await res.text();
    expect(res.status, text).toBe(201);
    expect(text).toMatch(/<PostResponse><Location>[^<]+\/valid\/one\.bin<\/Location><Bucket>[^<]+<\/Bucket><Key>valid\/one\.bin<\/Key><ETag>/);
    const object = await swift.send(new GetObjectCommand({ Bucket: store.bucket, Key: 'valid/one.bin' }));
    expect(sha256(await object.Body!.transformToByteArray())).toBe(sha256(bytes));
    expect(object.ContentType).toBe('application/x-test');
    expect(object.Metadata).toEqual({ name: 'one.bin' });
  });

  it('answers 204 by default, with CORS headers for the page', async () => {
    const form = await presign('valid/two.bin');
    const res = await post(form, randomBytes(10), {}, { Origin: 'http://127.0.0.1:9' });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:9');
    expect(res.headers.get('access-control-expose-headers')).toMatch(/ETag/);
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it("answers the POST's CORS preflight itself", async () => {
    const res = await fetch(`${gateway.endpoint}/${store.bucket}`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://127.0.0.1:9', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-requested-with' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:9');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toBe('x-requested-with');
  });

  it('passes other requests through to Swift unchanged (SDK calls signed for the gateway host)', async () => {
    await signer.send(new PutObjectCommand({ Bucket: store.bucket, Key: 'through/sdk.txt', Body: 'hello' }));
    const object = await signer.send(new GetObjectCommand({ Bucket: store.bucket, Key: 'through/sdk.txt' }));
    expect(await object.Body!.transformToString()).toBe('hello');
  });

  it('refuses an expired policy', async () => {
    await expectRefused(await post(await presign('refused/expired.bin', { Expires: -60 }), randomBytes(10)), 'refused/expired.bin');
  });

  it('refuses a tampered signature', async () => {
    const form = await presign('refused/tampered.bin');
    const signature = form.fields['X-Amz-Signature']!;
    const tampered = (signature[0] === '0' ? '1' : '0') + signature.slice(1);
    await expectRefused(await post({ ...form, fields: { ...form.fields, 'X-Amz-Signature': tampered } }, randomBytes(10)), 'refused/tampered.bin');
  });

  it('refuses a key other than the policy’s', async () => {
    const form = await presign('refused/signed-key.bin');
    await expectRefused(await post(form, randomBytes(10), { key: 'refused/other-key.bin' }), 'refused/other-key.bin');
  });

  it('refuses a file larger than content-length-range', async () => {
    const form = await presign('refused/too-big.bin', { Conditions: [['content-length-range', 0, 1024]] });
    await expectRefused(await post(form, randomBytes(1025)), 'refused/too-big.bin');
  });

  it('refuses a field the policy does not cover', async () => {
    const form = await presign('refused/extra-field.bin');
    await expectRefused(await post(form, randomBytes(10), { 'x-amz-meta-smuggled': 'yes' }), 'refused/extra-field.bin');
  });

  it('refuses a Content-Type outside a starts-with condition', async () => {
    const form = await presign('refused/content-type.bin', { Fields: { 'Content-Type': 'text/plain' }, Conditions: [['starts-with', '$Content-Type', 'image/']] });
    await expectRefused(await post(form, randomBytes(10)), 'refused/content-type.bin');
  });

  it('refuses an access key that is not the store’s, and the right key with a wrong secret', async () => {
    const facts = inject('swift');
    const stranger = clientAt(gateway.endpoint, 'someone:else', facts.secretAccessKey);
    const wrongSecret = clientAt(gateway.endpoint, facts.accessKeyId, 'not-the-secret');
    try {
      await expectRefused(await post(await presign('refused/stranger.bin', {}, stranger), randomBytes(10)), 'refused/stranger.bin');
      await expectRefused(await post(await presign('refused/wrong-secret.bin', {}, wrongSecret), randomBytes(10)), 'refused/wrong-secret.bin');
    } finally {
      stranger.destroy();
      wrongSecret.destroy();
    }
  });

  it('refuses a form whose file is not the last field', async () => {
    const form = await presign('refused/file-first.bin');
    const body = new FormData();
    body.set('file', new Blob([randomBytes(10)]), 'upload.bin');
    for (const [name, value] of Object.entries(form.fields)) body.set(name, value);
    await expectRefused(await fetch(form.url, { method: 'POST', body }), 'refused/file-first.bin');
  });

  it('stored exactly the accepted forms', async () => {
    expect((await keysInBucket()).sort()).toEqual(['through/sdk.txt', 'valid/one.bin', 'valid/two.bin']);
    expect(gateway.posts.filter((p) => p.reason === undefined).map((p) => p.key)).toEqual(['valid/one.bin', 'valid/two.bin']);
  });
});
