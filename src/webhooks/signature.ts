// Webhook signatures, Stripe-style: `Signpost-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256
// of "<t>.<raw body>">`. The timestamp is signed with the body, so a receiver that refuses old
// timestamps refuses a replayed delivery; each attempt is signed afresh. verifySignature is
// what a receiver runs (README "Webhooks" shows the same in a few lines).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Signpost-Signature';

export function signatureHeader(secret: string, rawBody: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${hmacHex(secret, unixSeconds, rawBody)}`;
}

function hmacHex(secret: string, unixSeconds: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`).digest('hex');
}

/**
 * True when `header` signs `rawBody` (the bytes as received, before any JSON parsing) with
 * `secret`, at a timestamp within `toleranceSeconds` of `nowSeconds`.
 */
export function verifySignature(secret: string, header: string | undefined, rawBody: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const fields = new Map((header ?? '').split(',').map((part) => part.trim().split('=', 2) as [string, string | undefined]));
  const t = Number(fields.get('t'));
  const given = fields.get('v1') ?? '';
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds || !/^[0-9a-f]{64}$/.test(given)) return false;
  return timingSafeEqual(Buffer.from(given, 'hex'), Buffer.from(hmacHex(secret, t, rawBody), 'hex'));
}
