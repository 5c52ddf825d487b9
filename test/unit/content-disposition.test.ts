import { describe, expect, it } from 'vitest';
import { attachmentDisposition } from '../../src/stores/content-disposition.js';

describe('attachment Content-Disposition', () => {
  it('carries a plain name in both forms', () => {
    expect(attachmentDisposition('report.pdf')).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
  });
  it('percent-encodes UTF-8 in filename* and falls back to ASCII in filename', () => {
    expect(attachmentDisposition('résumé 1.pdf')).toBe(`attachment; filename="r_sum_ 1.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%201.pdf`);
  });
  it('cannot be broken out of: quotes, backslashes, CR/LF and RFC 8187 specials are neutralised', () => {
    const value = attachmentDisposition('a"b\\c\r\nSet-Cookie: x;(1)*\'%.txt');
    expect(value).not.toMatch(/[\r\n]/);
    expect(value).toContain(`filename="a_b_c__Set-Cookie: x;(1)*'_.txt"`);
    expect(value).toContain(`filename*=UTF-8''a%22b%5Cc%0D%0ASet-Cookie%3A%20x%3B%281%29%2A%27%25.txt`);
  });
});
