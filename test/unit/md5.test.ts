import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SignpostError } from '../../src/domain/errors.js';
import { md5Hex, multipartEtag, parseMd5 } from '../../src/domain/md5.js';
import { wireMd5 } from '../../src/protocols/placeos/names.js';

const digest = createHash('md5').update('hello').digest();

describe('md5 spellings', () => {
  it('accepts base64, base64url and hex of the same 16 bytes', () => {
    const b64 = digest.toString('base64');
    expect(parseMd5(b64)).toBe(b64);
    expect(parseMd5(digest.toString('hex'))).toBe(b64);
    expect(parseMd5(digest.toString('hex').toUpperCase())).toBe(b64);
    expect(parseMd5(digest.toString('base64url'))).toBe(b64);
    expect(md5Hex(b64)).toBe(digest.toString('hex'));
  });
  it('refuses anything that is not 16 bytes', () => {
    for (const bad of ['', 'abc', Buffer.alloc(15).toString('base64'), Buffer.alloc(17).toString('base64'), 'z'.repeat(32)]) {
      expect(parseMd5(bad), bad).toBeUndefined();
      expect(() => wireMd5(bad, 'file_id')).toThrow(/file_id must be/);
    }
  });
  it('turns a base64 MD5 into hex and refuses other lengths or spellings', () => {
    expect(md5Hex(digest.toString('base64'), 'p')).toBe(digest.toString('hex'));
    expect(() => md5Hex(Buffer.alloc(15).toString('base64'), 'p')).toThrow(/p: not a base64 MD5/);
    expect(() => md5Hex(digest.toString('hex'), 'p')).toThrow(SignpostError);
  });

  it('computes the S3 multipart ETag from the binary part digests', () => {
    const parts = ['a', 'b'].map((s) => createHash('md5').update(s).digest());
    const expected = createHash('md5').update(Buffer.concat(parts)).digest('hex');
    expect(multipartEtag(parts.map((p) => p.toString('base64')))).toBe(`${expected}-2`);
  });
});
