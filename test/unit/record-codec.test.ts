import { describe, expect, it } from 'vitest';
import type { UploadRecord } from '../../src/domain/upload.js';
import { decodeRecord, encodeRecordFields } from '../../src/state/record-codec.js';

const record: UploadRecord = {
  id: 'uploads-abc',
  owner: 'user-1',
  tenant: 'tenant-1',
  storageId: 'store-s3',
  objectKey: 'tenant-1/abc.zip',
  fileName: 'a "quoted", name.zip',
  fileSize: 5_368_709_120,
  mime: 'application/zip',
  fileMd5: 'XrY7u+Ae7tCTyyK7j1rNww==',
  permissions: 'admin',
  public: true,
  tags: ['a', 'b,c', ''],
  state: 'uploading',
  kind: 'chunked', integrity: 'store-md5', temporary: false,
  partSize: 5_242_880,
  partCount: 1024,
  createdAt: 1_763_700_000_000,
  updatedAt: 1_763_700_000_001,
  expiresAt: 1_763_786_400_000,
  uploadToken: 'tok',
};

describe('record codec', () => {
  it('round-trips a record through hash fields', () => {
    const full: UploadRecord = { ...record, filePath: 'x/y', cacheEtag: '"e"', cacheModified: 'then', resumableId: 'mpu' };
    expect(decodeRecord(encodeRecordFields(full))).toStrictEqual(full);
    expect(decodeRecord(encodeRecordFields(record))).toStrictEqual(record);
  });

  it('spells every value as a string and leaves absent optional fields out', () => {
    const hash = encodeRecordFields(record);
    expect(hash).toMatchObject({ fileSize: '5368709120', public: 'true', tags: '["a","b,c",""]', createdAt: '1763700000000' });
    expect(Object.keys(hash)).not.toContain('filePath');
    expect(encodeRecordFields({ state: 'complete', updatedAt: 7 })).toEqual({ state: 'complete', updatedAt: '7' });
  });

  it('reads an empty hash as no record', () => {
    expect(decodeRecord({})).toBeUndefined();
  });

  it('rejects a damaged hash instead of guessing', () => {
    const hash = encodeRecordFields(record);
    const { partSize: _dropped, ...missing } = hash;
    expect(() => decodeRecord(missing)).toThrow(/uploads-abc.*missing field partSize/);
    // An optional number may be absent, but never malformed.
    const { fileSize: _unknown, ...sizeUnknown } = hash;
    expect(decodeRecord(sizeUnknown)).not.toHaveProperty('fileSize');
    expect(() => decodeRecord({ ...hash, fileSize: 'big' })).toThrow(/bad field fileSize/);
    expect(() => decodeRecord({ ...hash, fileSize: '' })).toThrow(/bad field fileSize/);
    expect(() => decodeRecord({ ...hash, state: 'finished' })).toThrow(/bad field state/);
    expect(() => decodeRecord({ ...hash, integrity: 'trusted' })).toThrow(/bad field integrity/);
    expect(() => decodeRecord({ ...hash, public: 'yes' })).toThrow(/bad field public/);
    expect(() => decodeRecord({ ...hash, tags: '["a",1]' })).toThrow(/bad field tags/);
    expect(() => decodeRecord({ ...hash, tags: 'not json' })).toThrow(/bad field tags/);
  });
});
