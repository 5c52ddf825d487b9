import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { multipartEtag } from '../../src/domain/md5.js';
import type { ExpectedObject } from '../../src/domain/ports.js';
import { azureObjectFailure, s3ObjectFailure } from '../../src/stores/object-checks.js';

const md5 = (s: string) => createHash('md5').update(s).digest('base64');
const hex = (base64: string) => Buffer.from(base64, 'base64').toString('hex');
const parts = [
  { part: 1, md5: md5('a') },
  { part: 2, md5: md5('b') },
];
const expected = (kind: 'direct' | 'chunked', knowsFileMd5 = true): ExpectedObject => ({
  key: 't/k', size: 10, kind, parts: kind === 'chunked' ? parts : [], partSizes: new Map([[1, 5], [2, 5]]),
  ...(knowsFileMd5 ? { fileMd5: md5('file') } : {}),
});

describe('s3ObjectFailure', () => {
  it('a wrong size fails', () => {
    expect(s3ObjectFailure(expected('direct'), { size: 9, etag: hex(md5('file')) })).toMatch(/9 bytes, expected 10/);
  });

  it('single PUT: the ETag must be the file MD5 when the broker knows it; only the size otherwise', () => {
    expect(s3ObjectFailure(expected('direct'), { size: 10, etag: hex(md5('file')) })).toBeUndefined();
    expect(s3ObjectFailure(expected('direct'), { size: 10, etag: '0'.repeat(32) })).toMatch(/not the MD5/);
    expect(s3ObjectFailure(expected('direct', false), { size: 10, etag: '0'.repeat(32) })).toBeUndefined();
  });

  it('multipart: the ETag must be md5(concat part md5s)-N of the recorded parts', () => {
    const etag = multipartEtag(parts.map((p) => p.md5));
    expect(s3ObjectFailure(expected('chunked'), { size: 10, etag })).toBeUndefined();
    expect(s3ObjectFailure(expected('chunked'), { size: 10, etag: multipartEtag([md5('a')]) })).toMatch(/ETag/);
    // Stores that report the whole object's MD5 instead (s3rver) prove the bytes too…
    expect(s3ObjectFailure(expected('chunked'), { size: 10, etag: hex(md5('file')) })).toBeUndefined();
    // …but only when the broker knows the whole file's MD5.
    expect(s3ObjectFailure(expected('chunked', false), { size: 10, etag: hex(md5('file')) })).toMatch(/ETag/);
  });
});

describe('azureObjectFailure', () => {
  const committed = [{ part: 1, size: 5 }, { part: 2, size: 5 }];

  it('blocks: the committed list must be the recorded parts, with their sizes where known', () => {
    expect(azureObjectFailure(expected('chunked'), { size: 10, committedParts: committed })).toBeUndefined();
    expect(azureObjectFailure(expected('chunked'), { size: 10, committedParts: [committed[1]!, committed[0]!] })).toMatch(/block list \[2,1\]/);
    expect(azureObjectFailure(expected('chunked'), { size: 10, committedParts: [{ part: 1, size: 4 }, { part: 2, size: 6 }] })).toMatch(/block 1 has 4 bytes/);
    expect(azureObjectFailure(expected('chunked'), { size: 11, committedParts: committed })).toMatch(/11 bytes/);
  });

  it('Put Blob: the service-computed Content-MD5 must be the file MD5', () => {
    expect(azureObjectFailure(expected('direct'), { size: 10, contentMd5: md5('file'), committedParts: [] })).toBeUndefined();
    expect(azureObjectFailure(expected('direct'), { size: 10, contentMd5: md5('other'), committedParts: [] })).toMatch(/Content-MD5/);
  });
});
