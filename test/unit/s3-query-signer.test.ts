// The S3 adapter signs part URLs itself (src/stores/s3-query-signer.ts) instead of through
// the SDK's getSignedUrl. These check that it gives exactly the URL the SDK gives for the
// same request, options and date, character for character, across endpoint styles, odd
// keys and upload ids, every combination of bound headers, and days (the cached key).
import { S3Client, UploadPartCommand, type UploadPartCommandInput } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, describe, expect, it } from 'vitest';
import type { Checksum } from '../../src/domain/checksums.js';
import type { PresignPartInput } from '../../src/domain/ports.js';
import type { S3StoreOptions } from '../../src/stores/options.js';
import { createS3Store } from '../../src/stores/s3.js';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const BASE: S3StoreOptions = { bucket: 'signpost-unit', region: 'us-east-1', forcePathStyle: true, signContentLength: true, ...CREDENTIALS };

const ENDPOINTS: Array<[string, S3StoreOptions]> = [
  ['path-style on a loopback endpoint with a port', { ...BASE, endpoint: 'http://127.0.0.1:9' }],
  ['path-style under an endpoint path', { ...BASE, endpoint: 'http://127.0.0.1:9/prefix/' }],
  ['AWS, virtual-hosted', { ...BASE, forcePathStyle: false }],
  ['AWS, a bucket with dots (path-style)', { ...BASE, forcePathStyle: false, region: 'eu-west-1', bucket: 'my.dotted.bucket' }],
  ['virtual-hosted on an https endpoint with a port', { ...BASE, forcePathStyle: false, region: 'eu-central-1', endpoint: 'https://minio.example:9000' }],
  ['https on its default port', { ...BASE, endpoint: 'https://s3.example.com:443' }],
];

const KEYS = ['tenant/abc.bin', "uploads/a b+c~(!)*'ü%2F//x.bin", 'ключ/文件 名.mp4', '/leading/slash', 'trailing/', 'semi;colon&amp=eq?q#h'];
const UPLOAD_IDS = ['upload-1', 'upl+oad/1=', 'MjAyNi0xMi0wMSAxMjowMDowMA==.~x y'];
const MD5 = '1B2M2Y8AsgTpgAmY7PhCfg==';
const SHA256 = Buffer.alloc(32, 7).toString('base64');
const CHECKSUMS: Array<Checksum | undefined> = [
  undefined,
  { algorithm: 'crc32c', base64: 'AAAAAA==' },
  { algorithm: 'sha1', base64: Buffer.alloc(20, 1).toString('base64') },
  { algorithm: 'sha256', base64: Buffer.alloc(32, 2).toString('base64') },
  { algorithm: 'md5', base64: 'kAFQmDzST7DWlj99KOF/cg==' },
];

const clients: S3Client[] = [];
afterAll(() => clients.forEach((client) => client.destroy()));

/** The part URL as the adapter signed it with getSignedUrl before s3-query-signer.ts: the reference. */
async function sdkPartUrl(options: S3StoreOptions, input: PresignPartInput, signingDate: Date): Promise<string> {
  const client = new S3Client({
    region: options.region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    forcePathStyle: options.forcePathStyle,
    credentials: CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  clients.push(client);
  const { checksum, sha256, size } = input;
  const md5 = checksum?.algorithm === 'md5' ? checksum.base64 : input.md5;
  const amz = checksum !== undefined && checksum.algorithm !== 'md5' ? checksum : undefined;
  const amzField = { sha1: 'ChecksumSHA1', sha256: 'ChecksumSHA256', crc32c: 'ChecksumCRC32C' } as Record<string, keyof UploadPartCommandInput>;
  const bindLength = options.signContentLength && size !== undefined && (md5 !== undefined || sha256 !== undefined || amz !== undefined);
  const command = new UploadPartCommand({
    Bucket: options.bucket, Key: input.key, UploadId: input.resumableId, PartNumber: input.part,
    ...(md5 === undefined ? {} : { ContentMD5: md5 }),
    ...(sha256 === undefined ? {} : { ChecksumSHA256: sha256 }),
    ...(amz === undefined ? {} : { [amzField[amz.algorithm] as string]: amz.base64 }),
    ...(bindLength ? { ContentLength: size } : {}),
  });
  const checksumHeaders = [...(sha256 === undefined ? [] : ['x-amz-checksum-sha256']), ...(amz === undefined ? [] : [`x-amz-checksum-${amz.algorithm}`])];
  const signable = md5 === undefined && !bindLength ? [] : ['content-md5', 'content-length'];
  return getSignedUrl(client, command, {
    expiresIn: input.expiresInSeconds,
    signingDate,
    signableHeaders: new Set([...signable, ...checksumHeaders]),
    ...(checksumHeaders.length > 0 ? { unhoistableHeaders: new Set(checksumHeaders) } : {}),
  });
}

function storeAt(options: S3StoreOptions, at: { now: number }) {
  return createS3Store(options, { clock: { now: () => at.now } });
}

describe('S3 part URLs signed without the SDK pipeline', () => {
  const at = { now: Date.UTC(2026, 11, 1, 12, 34, 56, 789) };

  it.each(ENDPOINTS)('%s: the same URL as getSignedUrl for every key and upload id', async (_label, options) => {
    const store = storeAt(options, at);
    for (const key of KEYS) {
      for (const resumableId of UPLOAD_IDS) {
        const input = { key, resumableId, part: 10_000, md5: MD5, size: 5_242_880, expiresInSeconds: 300 };
        expect((await store.presignPart(input)).url).toBe(await sdkPartUrl(options, input, new Date(at.now)));
      }
    }
  });

  it('the same URL for every combination of MD5, SHA-256, another checksum, size, and length binding', async () => {
    for (const signContentLength of [true, false]) {
      const options = { ...BASE, endpoint: 'http://127.0.0.1:9', signContentLength };
      const store = storeAt(options, at);
      for (const md5 of [undefined, MD5]) {
        for (const sha256 of [undefined, SHA256]) {
          for (const checksum of CHECKSUMS) {
            for (const size of [undefined, 0, 1, 5_368_709_120]) {
              const input: PresignPartInput = {
                key: 'tenant/part.bin', resumableId: 'upload-1', part: 7, expiresInSeconds: 604_800,
                ...(md5 === undefined ? {} : { md5 }), ...(sha256 === undefined ? {} : { sha256 }),
                ...(checksum === undefined ? {} : { checksum }), ...(size === undefined ? {} : { size }),
              };
              const label = JSON.stringify({ signContentLength, md5, sha256, checksum: checksum?.algorithm, size });
              expect((await store.presignPart(input)).url, label).toBe(await sdkPartUrl(options, input, new Date(at.now)));
            }
          }
        }
      }
    }
  });

  it('the same URL across days and back (the signing key is cached per day)', async () => {
    const options = { ...BASE, forcePathStyle: false, region: 'ap-southeast-2' };
    const clock = { now: Date.UTC(2026, 11, 31, 23, 59, 59, 999) };
    const store = storeAt(options, clock);
    const input = { key: 'a/b.bin', resumableId: 'u-1', part: 1, md5: MD5, size: 10, expiresInSeconds: 1 };
    for (const now of [clock.now, clock.now + 1, clock.now + 86_400_000, clock.now]) {
      clock.now = now;
      expect((await store.presignPart(input)).url).toBe(await sdkPartUrl(options, input, new Date(now)));
    }
  });
});
