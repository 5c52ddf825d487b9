// The finish's commit body at the size a PlaceOS finish builds it (xml-bodies.ts
// completeMultipartUploadXml): 10,000 parts in any order come out ascending, each with its
// quoted hex MD5, byte for byte; and every refusal is a bad request (400).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SignpostError } from '../../src/domain/errors.js';
import { completeMultipartUploadXml } from '../../src/stores/xml-bodies.js';

const digest = (n: number) => createHash('md5').update(String(n)).digest();
const md5 = (n: number) => digest(n).toString('base64');

describe('S3 commit body', () => {
  it('lists 10,000 parts given in any order ascending, each with its quoted hex MD5', () => {
    const parts = Array.from({ length: 10_000 }, (_, i) => ({ part: ((i * 7_919) % 10_000) + 1, md5: md5(i) }));
    const hexOf = new Map(parts.map((p) => [p.part, Buffer.from(p.md5, 'base64').toString('hex')]));
    const expected = `<CompleteMultipartUpload>${Array.from({ length: 10_000 }, (_, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>"${hexOf.get(i + 1)}"</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
    expect(completeMultipartUploadXml(parts)).toBe(expected);
    expect(completeMultipartUploadXml([{ part: 3, md5: md5(3) }])).toBe(`<CompleteMultipartUpload><Part><PartNumber>3</PartNumber><ETag>"${digest(3).toString('hex')}"</ETag></Part></CompleteMultipartUpload>`);
  });

  it('refuses no parts, a duplicate, part 0 or 1.5, and anything but the canonical base64 of 16 bytes, as bad requests', () => {
    const refusals = [
      [],
      [{ part: 1, md5: md5(1) }, { part: 1, md5: md5(2) }],
      [{ part: 0, md5: md5(1) }],
      [{ part: 1.5, md5: md5(1) }],
      [{ part: 1, md5: 'not an md5' }],
      [{ part: 2, md5: `${md5(2).slice(0, 21)}B==` }],
      [{ part: 1, md5: Buffer.alloc(20).toString('base64') }],
    ];
    for (const parts of refusals) {
      let error: unknown;
      try {
        completeMultipartUploadXml(parts);
      } catch (caught) {
        error = caught;
      }
      expect(error, JSON.stringify(parts)).toBeInstanceOf(SignpostError);
      expect((error as SignpostError).code, JSON.stringify(parts)).toBe('bad_request');
    }
  });
});
