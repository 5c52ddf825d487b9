// Azure block ids for upload parts. Azure: "all block ids in a blob must have
// the same length" and are base64 of at most 64 bytes; we encode the part
// number zero-padded to six digits (part 1 → base64("000001") = "MDAwMDAx"),
// which PlaceOS also uses, so ids stay the same length up to part 999,999 —
// far above Azure's 50,000-block limit.
import { errors } from '../domain/errors.js';

const DIGITS = 6;
const MAX_BLOCKS = 50_000;
const ENCODED = /^[A-Za-z0-9+/]{8}$/;

export function encodeBlockId(part: number): string {
  if (!Number.isInteger(part) || part < 1 || part > MAX_BLOCKS) {
    throw errors.badRequest(`Azure part numbers run from 1 to ${MAX_BLOCKS}, got ${part}`);
  }
  return Buffer.from(String(part).padStart(DIGITS, '0'), 'ascii').toString('base64');
}

/** The part number a block id stands for, or undefined for a block id this broker did not make. */
export function decodeBlockId(blockId: string): number | undefined {
  // Six ASCII bytes encode to exactly eight base64 characters, no padding.
  if (!ENCODED.test(blockId)) return undefined;
  const digits = Buffer.from(blockId, 'base64').toString('latin1');
  if (!/^\d{6}$/.test(digits)) return undefined;
  const part = Number(digits);
  return part >= 1 && part <= MAX_BLOCKS ? part : undefined;
}
