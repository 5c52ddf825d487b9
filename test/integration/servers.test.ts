// Smoke tests of the run's servers: each is the real thing, i.e. it rejects
// what the broker's tests rely on being rejected (an emulator that accepts
// everything would let broken signatures and digests pass unnoticed).
import { createHash, randomBytes } from 'node:crypto';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { s3ClientFor } from '../support/provision.js';

const unique = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;
const md5 = (text: string): Buffer => createHash('md5').update(text).digest();

describe('redis-server', () => {
  it('stores and returns a value', async () => {
    const redis = new Redis(inject('redis').url, { maxRetriesPerRequest: 1 });
    try {
      const key = unique('smoke');
      await redis.set(key, 'value', 'EX', 60);
      expect(await redis.get(key)).toBe('value');
    } finally {
      redis.disconnect();
    }
  });
});

describe('Swift S3 API', () => {
  const swift = inject('swift');
  const client = s3ClientFor(swift);

  it('verifies a signed Content-MD5 and the presigned signature', async () => {
    const bucket = unique('smoke');
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const body = 'the body that was signed';
    const contentMd5 = md5(body).toString('base64');
    const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: 'file.txt', ContentMD5: contentMd5 }), { expiresIn: 300 });
    expect(new URL(url).searchParams.get('X-Amz-SignedHeaders')).toContain('content-md5');
    const put = (target: string, payload: string): Promise<Response> =>
      fetch(target, { method: 'PUT', headers: { 'Content-MD5': contentMd5 }, body: payload });

    const accepted = await put(url, body);
    expect(accepted.status).toBe(200);
    expect(accepted.headers.get('etag')).toBe(`"${md5(body).toString('hex')}"`);

    const wrongBody = await put(url, 'a different body');
    expect(wrongBody.status).toBe(400);
    expect(await wrongBody.text()).toContain('<Code>BadDigest</Code>');

    const tampered = new URL(url);
    const signature = tampered.searchParams.get('X-Amz-Signature') ?? '';
    tampered.searchParams.set('X-Amz-Signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`);
    const forged = await put(tampered.toString(), body);
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});

describe('Azurite Blob service', () => {
  it('rejects a Put Block whose Content-MD5 does not match', async () => {
    const azurite = inject('azurite');
    const service = new BlobServiceClient(azurite.endpoint, new StorageSharedKeyCredential(azurite.account, azurite.accountKey));
    const container = service.getContainerClient(unique('smoke'));
    await container.create();
    const blob = container.getBlockBlobClient('file.bin');
    // Azure: all block ids of a blob must have the same length.
    const blockId = (n: number): string => Buffer.from(`block-${String(n).padStart(6, '0')}`).toString('base64');
    const body = 'block body';

    await blob.stageBlock(blockId(1), body, Buffer.byteLength(body), { transactionalContentMD5: md5(body) });
    await expect(
      blob.stageBlock(blockId(2), body, Buffer.byteLength(body), { transactionalContentMD5: md5('another body') }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });
});
