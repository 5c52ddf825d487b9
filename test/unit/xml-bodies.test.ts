import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SignpostError } from '../../src/domain/errors.js';
import { ascendingParts, completeMultipartUploadXml, escapeXmlText, putBlockListXml } from '../../src/stores/xml-bodies.js';

const md5 = (text: string) => createHash('md5').update(text).digest();

describe('S3 CompleteMultipartUpload body', () => {
  it('lists each part with its quoted hex MD5 as the ETag, in part order', () => {
    const [a, b] = [md5('a'), md5('b')];
    const xml = completeMultipartUploadXml([
      { part: 2, md5: b.toString('base64') },
      { part: 1, md5: a.toString('base64') },
    ]);
    expect(xml).toBe(
      '<CompleteMultipartUpload>' +
        `<Part><PartNumber>1</PartNumber><ETag>"${a.toString('hex')}"</ETag></Part>` +
        `<Part><PartNumber>2</PartNumber><ETag>"${b.toString('hex')}"</ETag></Part>` +
        '</CompleteMultipartUpload>',
    );
  });

  it('refuses what the store would refuse: no parts, duplicates, part 0, a non-MD5', () => {
    const good = md5('x').toString('base64');
    const cases = [[], [{ part: 1, md5: good }, { part: 1, md5: good }], [{ part: 0, md5: good }], [{ part: 1.5, md5: good }], [{ part: 1, md5: 'abc' }]];
    for (const parts of cases) {
      expect(() => completeMultipartUploadXml(parts), JSON.stringify(parts)).toThrow(SignpostError);
    }
  });
});

describe('Azure Put Block List body', () => {
  it('names every block as Latest after the XML declaration', () => {
    expect(putBlockListXml(['MDAwMDAx', 'MDAwMDAy'])).toBe(
      '<?xml version="1.0" encoding="utf-8"?><BlockList><Latest>MDAwMDAx</Latest><Latest>MDAwMDAy</Latest></BlockList>',
    );
  });
  it('escapes text so no id can break out of its element', () => {
    expect(putBlockListXml(['a<b>&c'])).toContain('<Latest>a&lt;b&gt;&amp;c</Latest>');
  });
});

describe('helpers', () => {
  it('escapes &, < and > and keeps quotes (S3 writes <ETag>"…"</ETag>)', () => {
    expect(escapeXmlText('"a" & <b>')).toBe('"a" &amp; &lt;b&gt;');
  });
  it('sorts parts without changing the caller’s array', () => {
    const parts = [{ part: 3 }, { part: 1 }, { part: 2 }];
    expect(ascendingParts(parts).map((p) => p.part)).toEqual([1, 2, 3]);
    expect(parts.map((p) => p.part)).toEqual([3, 1, 2]);
  });
});
