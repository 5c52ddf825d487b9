import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { multipartEtag } from '../../src/domain/md5.js';
import type { PartRecord, UploadRecord } from '../../src/domain/upload.js';
import { verificationFailure } from '../../src/domain/verification.js';

const md5 = (s: string) => createHash('md5').update(s).digest('base64');
const record = (kind: 'direct' | 'chunked', fileMd5 = md5('file')): UploadRecord => ({
  id: 'uploads-v', owner: 'u', tenant: 't', storageId: 's', objectKey: 't/k', fileName: 'f', fileSize: 10, mime: 'a/b',
  fileMd5, permissions: 'none', public: false, tags: [], state: 'uploading', kind, partSize: 5, partCount: 2,
  createdAt: 0, updatedAt: 0, expiresAt: 1, uploadToken: 'tok',
});
const parts: PartRecord[] = [
  { part: 1, md5: md5('a'), size: 5, done: true },
  { part: 2, md5: md5('b'), size: 5, done: true },
];

describe('verificationFailure', () => {
  it('a missing object or a wrong size fails', () => {
    expect(verificationFailure(record('direct'), 's3', [], undefined)).toMatch(/not in the store/);
    expect(verificationFailure(record('direct'), 's3', [], { size: 9, etag: 'x' })).toMatch(/9 bytes, expected file_size 10/);
  });

  it('S3 single PUT: the ETag must be the file MD5', () => {
    const hex = Buffer.from(md5('file'), 'base64').toString('hex');
    expect(verificationFailure(record('direct'), 's3', [], { size: 10, etag: hex })).toBeUndefined();
    expect(verificationFailure(record('direct'), 's3', [], { size: 10, etag: '0'.repeat(32) })).toMatch(/not the MD5/);
  });

  it('S3 multipart: the ETag must be md5(concat part md5s)-N of the recorded parts', () => {
    const etag = multipartEtag(parts.map((p) => p.md5));
    expect(verificationFailure(record('chunked'), 's3', parts, { size: 10, etag })).toBeUndefined();
    expect(verificationFailure(record('chunked'), 's3', parts, { size: 10, etag: multipartEtag([md5('a')]) })).toMatch(/ETag/);
    // Stores that report the whole object's MD5 instead (s3rver) prove the bytes too.
    expect(verificationFailure(record('chunked'), 's3', parts, { size: 10, etag: Buffer.from(md5('file'), 'base64').toString('hex') })).toBeUndefined();
  });

  it('Azure blocks: the committed list must be the recorded parts, with their sizes where known', () => {
    const committed = [{ part: 1, size: 5 }, { part: 2, size: 5 }];
    expect(verificationFailure(record('chunked'), 'azure', parts, { size: 10, committedParts: committed })).toBeUndefined();
    expect(verificationFailure(record('chunked'), 'azure', parts, { size: 10, committedParts: [committed[1]!, committed[0]!] })).toMatch(/block list \[2,1\]/);
    expect(verificationFailure(record('chunked'), 'azure', parts, { size: 10, committedParts: [{ part: 1, size: 4 }, { part: 2, size: 6 }] })).toMatch(/block 1 has 4 bytes/);
  });

  it('Azure Put Blob: the service-computed Content-MD5 must be file_id', () => {
    expect(verificationFailure(record('direct'), 'azure', [], { size: 10, contentMd5: md5('file') })).toBeUndefined();
    expect(verificationFailure(record('direct'), 'azure', [], { size: 10, contentMd5: md5('other') })).toMatch(/Content-MD5/);
  });
});
