// Seed 004's part checksums: `<algorithm>:<digest>`, hex or base64, each algorithm's
// length; and the header each store's signed request binds for it. Swift and Azurite do
// not verify the newer algorithms, so these unit tests are what proves the binding.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseChecksum } from '../../src/domain/checksums.js';
import { createAzureStore } from '../../src/stores/azure.js';
import { createS3Store } from '../../src/stores/s3.js';

const s3 = createS3Store({ bucket: 'unit', region: 'us-east-1', forcePathStyle: true, accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-example-0123456789', signContentLength: true, checksSha256: true });
const azure = createAzureStore({ container: 'unit', account: 'devstoreaccount1', accountKey: Buffer.alloc(64, 1).toString('base64'), endpoint: 'http://127.0.0.1:9/devstoreaccount1' });
const part = { key: 'tenant/object.bin', resumableId: 'upload-1', part: 1, size: 1024, expiresInSeconds: 300 };
const signedHeaders = (url: string) => new URL(url).searchParams.get('X-Amz-SignedHeaders');
const bytes = Buffer.from('seed 004');

describe('parseChecksum', () => {
  it('takes each algorithm in hex or base64, any case of the name', () => {
    const sha1 = createHash('sha1').update(bytes).digest();
    expect(parseChecksum(`sha1:${sha1.toString('hex')}`, 'checksum')).toEqual({ algorithm: 'sha1', base64: sha1.toString('base64') });
    expect(parseChecksum(`SHA1:${sha1.toString('base64')}`, 'checksum')).toEqual({ algorithm: 'sha1', base64: sha1.toString('base64') });
    expect(parseChecksum('crc32c:0a0b0c0d', 'checksum')).toEqual({ algorithm: 'crc32c', base64: Buffer.from('0a0b0c0d', 'hex').toString('base64') });
    expect(parseChecksum(`crc64:${'ab'.repeat(8)}`, 'checksum').algorithm).toBe('crc64');
    expect(parseChecksum(`sha-256:${'cd'.repeat(32)}`, 'checksum').algorithm).toBe('sha256');
    expect(parseChecksum(`md5:${createHash('md5').update(bytes).digest('base64')}`, 'checksum').algorithm).toBe('md5');
  });

  it('refuses an unknown algorithm, a digest of the wrong length, and no algorithm at all, naming the field', () => {
    expect(() => parseChecksum('whirlpool:00', 'parts[0].checksum')).toThrow(/parts\[0\]\.checksum: unknown algorithm "whirlpool"/);
    expect(() => parseChecksum(`sha1:${'ab'.repeat(19)}`, 'c')).toThrow(/a sha1 digest is 20 bytes/);
    expect(() => parseChecksum('crc32c:AAAAAAA=', 'c')).toThrow(/a crc32c digest is 4 bytes/);
    expect(() => parseChecksum('0a0b0c0d', 'c')).toThrow(/<algorithm>:<digest>/);
  });
});

describe('the signed header for each algorithm', () => {
  it.each([
    ['sha1', 'x-amz-checksum-sha1', 20],
    ['sha256', 'x-amz-checksum-sha256', 32],
    ['crc32c', 'x-amz-checksum-crc32c', 4],
  ] as const)('S3 %s: %s is a signed header the client must send, never a query parameter', async (algorithm, header, length) => {
    const base64 = Buffer.alloc(length, 9).toString('base64');
    const signed = await s3.presignPart({ ...part, checksum: { algorithm, base64 } });
    expect(signedHeaders(signed.url)?.split(';')).toContain(header);
    expect(signed.headers[header]).toBe(base64);
    expect(new URL(signed.url).searchParams.has(header)).toBe(false);
    // The length is bound with it.
    expect(signed.headers['Content-Length']).toBe('1024');
  });

  it('S3 md5: Content-MD5 signed; S3 declares which it enforces', async () => {
    const base64 = createHash('md5').update(bytes).digest('base64');
    const signed = await s3.presignPart({ ...part, checksum: { algorithm: 'md5', base64 } });
    expect(signedHeaders(signed.url)).toBe('content-length;content-md5;host');
    expect(signed.headers['Content-MD5']).toBe(base64);
    expect(s3.capabilities.checksums).toEqual({ md5: 'enforced', sha1: 'enforced', sha256: 'enforced', crc32c: 'enforced' });
  });

  it('S3 refuses crc64; Azure binds md5 and crc64 as headers to send, and refuses the others', async () => {
    await expect(s3.presignPart({ ...part, checksum: { algorithm: 'crc64', base64: Buffer.alloc(8).toString('base64') } })).rejects.toMatchObject({ code: 'bad_request' });
    const crc64 = Buffer.alloc(8, 3).toString('base64');
    expect((await azure.presignPart({ ...part, checksum: { algorithm: 'crc64', base64: crc64 } })).headers).toEqual({ 'x-ms-content-crc64': crc64 });
    const md5 = createHash('md5').update(bytes).digest('base64');
    expect((await azure.presignPart({ ...part, checksum: { algorithm: 'md5', base64: md5 } })).headers).toEqual({ 'Content-MD5': md5 });
    await expect(azure.presignPart({ ...part, checksum: { algorithm: 'sha1', base64: Buffer.alloc(20).toString('base64') } })).rejects.toMatchObject({ code: 'bad_request' });
    expect(azure.capabilities.checksums).toEqual({ md5: 'if-sent', crc64: 'if-sent' });
  });
});
