// The bearer token in Uppy's endpoint URL (`<broker>/uppy/<token>/s3/…`).
// Uppy sends plain fetch with no custom headers and no cross-origin cookies, so
// the path is the only place a credential can travel. The integrator's
// backend mints one through an authenticated call; it names one user of one
// tenant (no roles: it acts on that user's own uploads only), optionally one
// storage, and expires. Stateless: HMAC-SHA256 over the claims, so every
// broker process sharing the secret accepts it.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { errors } from '../../domain/errors.js';
import type { Caller } from '../../domain/upload.js';

export interface TokenClaims {
  user: string;
  tenant: string;
  storageId?: string;
  /** Expiry, ms since epoch. */
  expiresAt: number;
}

interface Encoded {
  u: string;
  t: string;
  s?: string;
  e: number;
}

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(`signpost-uppy-token.${payload}`).digest();
}

export function mintToken(secret: string, claims: TokenClaims): string {
  const encoded: Encoded = { u: claims.user, t: claims.tenant, e: claims.expiresAt, ...(claims.storageId === undefined ? {} : { s: claims.storageId }) };
  const payload = Buffer.from(JSON.stringify(encoded)).toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

/** The claims of a genuine, unexpired token; 401 for anything else. */
export function readToken(secret: string, token: string, now: number): TokenClaims {
  const [payload, signature, extra] = token.split('.');
  if (payload === undefined || signature === undefined || extra !== undefined) throw errors.unauthenticated('the upload endpoint token is not valid');
  // Compare the signature as written: base64url decoding skips characters it does not know,
  // so decoding first would accept a genuine signature with junk appended.
  const expected = Buffer.from(mac(secret, payload).toString('base64url'));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw errors.unauthenticated('the upload endpoint token is not valid');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Encoded;
  if (now > claims.e) throw errors.unauthenticated('the upload endpoint token has expired; ask for a new one');
  return { user: claims.u, tenant: claims.t, expiresAt: claims.e, ...(claims.s === undefined ? {} : { storageId: claims.s }) };
}

/** The caller a token stands for: that user, without roles. */
export function callerOf(claims: TokenClaims): Caller {
  return { user: claims.user, tenant: claims.tenant, roles: [] };
}
