// What the S3 adapter signs, read from its URLs and form policies without a
// store: SigV4 presigning is local (HMAC over the request), so a dummy
// endpoint and fake credentials are enough. The integration suites show the
// store enforces what is signed; these show what is (and is not) signed.
import { S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describe, expect, it } from 'vitest';
import type { S3StoreOptions } from '../../src/stores/options.js';
import { createS3Store } from '../../src/stores/s3.js';

// Discard port: nothing listens, and nothing here may need it to.
const ENDPOINT = 'http://127.0.0.1:9';
const OPTIONS: S3StoreOptions = {
  bucket: 'signpost-unit',
  region: 'us-east-1',
  endpoint: ENDPOINT,
  forcePathStyle: true,
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  signContentLength: true,
};
const MD5 = '1B2M2Y8AsgTpgAmY7PhCfg==';
const part = { key: 'uploads/a b+c.bin', resumableId: 'upload-1', part: 3, expiresInSeconds: 300 };

/** Query parameters that carry a checksum the store would check against the body. */
function checksumParams(url: string): string[] {
  return [...new URL(url).searchParams.keys()].filter((name) => /^x-amz-(checksum-|sdk-checksum-algorithm$)/i.test(name));
}

const signedHeaders = (url: string) => new URL(url).searchParams.get('X-Amz-SignedHeaders');

interface Policy {
  expiration: string;
  conditions: unknown[];
}

const decodePolicy = (fields: Record<string, string>) => JSON.parse(Buffer.from(fields['Policy'] ?? '', 'base64').toString('utf8')) as Policy;

describe('S3 part URLs', () => {
  const store = createS3Store(OPTIONS);

  it('without an MD5: no checksum parameters, only host signed, no headers to send (as Uppy PUTs parts)', async () => {
    const signed = await store.presignPart({ ...part, size: 5 * 1024 * 1024 });
    expect(signed.verb).toBe('PUT');
    expect(signed.headers).toEqual({});
    expect(checksumParams(signed.url)).toEqual([]);
    expect(signedHeaders(signed.url)).toBe('host');
    const query = new URL(signed.url).searchParams;
    expect(query.get('partNumber')).toBe('3');
    expect(query.get('uploadId')).toBe('upload-1');
  });

  it('negative control: the SDK defaults (as Uppy Companion pins them) do sign a CRC32 of the empty body into the URL', async () => {
    const { region, forcePathStyle, accessKeyId, secretAccessKey } = OPTIONS;
    const sdkDefaults = new S3Client({ endpoint: ENDPOINT, region, forcePathStyle, credentials: { accessKeyId, secretAccessKey } });
    try {
      const url = await getSignedUrl(sdkDefaults, new UploadPartCommand({ Bucket: OPTIONS.bucket, Key: part.key, UploadId: part.resumableId, PartNumber: part.part }), { expiresIn: 300 });
      expect(checksumParams(url).map((name) => name.toLowerCase()).sort()).toEqual(['x-amz-checksum-crc32', 'x-amz-sdk-checksum-algorithm']);
      // CRC32 of zero bytes: whatever the body, AWS compares it against this.
      expect(new URL(url).searchParams.get('x-amz-checksum-crc32')).toBe('AAAAAA==');
    } finally {
      sdkDefaults.destroy();
    }
  });

  it('with an MD5 and a size: Content-MD5 and Content-Length signed, and handed out as headers', async () => {
    const signed = await store.presignPart({ ...part, md5: MD5, size: 1234 });
    expect(signedHeaders(signed.url)).toBe('content-length;content-md5;host');
    expect(signed.headers).toEqual({ 'Content-MD5': MD5, 'Content-Length': '1234' });
    expect(checksumParams(signed.url)).toEqual([]);
  });

  it('with an MD5 and no size, or on a store that binds no lengths: Content-MD5 only', async () => {
    const noSize = await store.presignPart({ ...part, md5: MD5 });
    expect(signedHeaders(noSize.url)).toBe('content-md5;host');
    expect(noSize.headers).toEqual({ 'Content-MD5': MD5 });
    const unbound = await createS3Store({ ...OPTIONS, signContentLength: false }).presignPart({ ...part, md5: MD5, size: 1234 });
    expect(signedHeaders(unbound.url)).toBe('content-md5;host');
    expect(unbound.headers).toEqual({ 'Content-MD5': MD5 });
  });

  it('with a SHA-256: x-amz-checksum-sha256 signed as a header the client must send (not hoisted into the query)', async () => {
    const SHA = Buffer.alloc(32, 7).toString('base64');
    const partUrl = await store.presignPart({ ...part, md5: MD5, sha256: SHA, size: 1234 });
    expect(signedHeaders(partUrl.url)).toBe('content-length;content-md5;host;x-amz-checksum-sha256');
    expect(partUrl.headers).toEqual({ 'Content-MD5': MD5, 'Content-Length': '1234', 'x-amz-checksum-sha256': SHA });
    expect(new URL(partUrl.url).searchParams.has('x-amz-checksum-sha256')).toBe(false);
    const whole = await store.presignDirectPut({ key: 'tenant/whole.bin', sha256: SHA, size: 10, mime: 'image/png', expiresInSeconds: 300 });
    expect(signedHeaders(whole.url)).toBe('content-length;content-type;host;x-amz-checksum-sha256');
    expect(whole.headers).toEqual({ 'Content-Type': 'image/png', 'Content-Length': '10', 'x-amz-checksum-sha256': SHA });
  });

  it('declares checksSha256 for AWS (no endpoint) and not for an S3-compatible endpoint unless configured', () => {
    expect(createS3Store({ ...OPTIONS, endpoint: undefined as never }).capabilities.checksSha256).toBe(true);
    expect(store.capabilities.checksSha256).toBe(false);
    expect(createS3Store({ ...OPTIONS, checksSha256: true }).capabilities.checksSha256).toBe(true);
  });

  it('needs the multipart upload id: without one there is nothing to sign', async () => {
    const { resumableId: _none, ...withoutId } = part;
    await expect(store.presignPart(withoutId)).rejects.toMatchObject({ code: 'conflict' });
    await expect(store.presignPart({ ...withoutId, resumableId: '' })).rejects.toMatchObject({ code: 'conflict' });
  });
});

describe('S3 form policy', () => {
  const store = createS3Store(OPTIONS);
  const form = { key: 'tenant/ünï cödé.png', mime: 'image/png', minSize: 1, maxSize: 10_485_760, expiresInSeconds: 600 };

  it('binds the exact key, the content type and the size range, and expires in time', async () => {
    const before = Date.now();
    const signed = await store.presignForm(form);
    const after = Date.now();
    expect(signed.url).toBe(`${ENDPOINT}/${OPTIONS.bucket}`);
    expect(signed.fields).toMatchObject({ key: form.key, 'Content-Type': form.mime, 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' });
    expect(signed.fields['X-Amz-Signature']).toMatch(/^[0-9a-f]{64}$/);

    const policy = decodePolicy(signed.fields);
    expect(policy.conditions).toContainEqual({ key: form.key });
    expect(policy.conditions).toContainEqual({ bucket: OPTIONS.bucket });
    expect(policy.conditions).toContainEqual(['eq', '$Content-Type', form.mime]);
    expect(policy.conditions).toContainEqual(['content-length-range', form.minSize, form.maxSize]);
    // Nothing lets another key through.
    expect(policy.conditions.filter((c) => Array.isArray(c) && c[0] === 'starts-with')).toEqual([]);

    const expiration = Date.parse(policy.expiration);
    expect(expiration).toBeLessThanOrEqual(after + form.expiresInSeconds * 1000);
    // The policy's time has whole seconds.
    expect(expiration).toBeGreaterThan(before + form.expiresInSeconds * 1000 - 1000);
  });

  it('refuses an expiry SigV4 cannot carry', async () => {
    await expect(store.presignForm({ ...form, expiresInSeconds: 0 })).rejects.toThrow(/1 to 604800 seconds/);
    await expect(store.presignForm({ ...form, expiresInSeconds: 604_801 })).rejects.toThrow(/1 to 604800 seconds/);
  });
});
