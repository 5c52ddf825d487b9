// The S3 adapter builds the finish's commit body itself (src/stores/s3-commit-body.ts): it must
// be the body xml-bodies.ts builds, byte for byte, and refuse what it refuses.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { completeMultipartUploadBody } from '../../src/stores/s3-commit-body.js';
import { completeMultipartUploadXml } from '../../src/stores/xml-bodies.js';

const md5 = (n: number) => createHash('md5').update(String(n)).digest('base64');

describe('S3 commit body', () => {
  it('is the body xml-bodies builds, for 10,000 parts in any order', () => {
    const parts = Array.from({ length: 10_000 }, (_, i) => ({ part: ((i * 7_919) % 10_000) + 1, md5: md5(i) }));
    expect(completeMultipartUploadBody(parts)).toBe(completeMultipartUploadXml(parts));
    expect(completeMultipartUploadBody([{ part: 3, md5: md5(3) }])).toBe(completeMultipartUploadXml([{ part: 3, md5: md5(3) }]));
  });

  it('refuses what xml-bodies refuses, with the same errors', () => {
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
      const error = (build: typeof completeMultipartUploadBody) => {
        try {
          build(parts);
        } catch (caught) {
          return caught;
        }
        return undefined;
      };
      expect(error(completeMultipartUploadBody), JSON.stringify(parts)).toBeDefined();
      expect(error(completeMultipartUploadBody)).toStrictEqual(error(completeMultipartUploadXml));
    }
  });
});
