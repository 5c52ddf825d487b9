import { describe, expect, it } from 'vitest';
import { SignpostError } from '../../src/domain/errors.js';
import { decodeBlockId, encodeBlockId } from '../../src/stores/azure-block-id.js';

describe('Azure block ids', () => {
  it('is base64 of the six-digit part number (PlaceOS-compatible)', () => {
    expect(encodeBlockId(1)).toBe('MDAwMDAx');
    expect(Buffer.from(encodeBlockId(42), 'base64').toString()).toBe('000042');
    expect(Buffer.from(encodeBlockId(50_000), 'base64').toString()).toBe('050000');
  });

  it('gives every part an id of the same length (Azure rejects mixed lengths)', () => {
    const lengths = new Set([1, 9, 10, 99, 100, 999, 1000, 9999, 10_000, 50_000].map((p) => encodeBlockId(p).length));
    expect([...lengths]).toEqual([8]);
  });

  it('decodes what it encodes', () => {
    for (const part of [1, 2, 17, 4096, 49_999, 50_000]) expect(decodeBlockId(encodeBlockId(part))).toBe(part);
  });

  it('does not claim block ids it did not make', () => {
    const foreign = ['', 'abc', Buffer.from('block-1').toString('base64'), Buffer.from('00000a').toString('base64'), Buffer.from('000000').toString('base64'), Buffer.from('999999').toString('base64'), 'MDAwMDAx==', 'MDAwMD!x'];
    for (const id of foreign) expect(decodeBlockId(id), id).toBeUndefined();
  });

  it('refuses part numbers Azure cannot hold (1..50,000 blocks)', () => {
    for (const part of [0, -1, 1.5, 50_001, Number.NaN]) expect(() => encodeBlockId(part), String(part)).toThrow(SignpostError);
  });
});
