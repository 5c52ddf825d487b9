// The Uppy endpoint token (src/protocols/companion/token.ts): what it carries
// comes back unchanged, and anything but a genuine, unexpired token of this
// secret is refused with the one 401 the error handler renders.
import { describe, expect, it } from 'vitest';
import { SignpostError } from '../../src/domain/errors.js';
import { mintToken, readToken, type TokenClaims } from '../../src/protocols/companion/token.js';

const SECRET = 'unit-test-companion-secret-0123456789abcdef';
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const claims: TokenClaims = { user: 'alice', tenant: 'acme', storageId: 's3', expiresAt: NOW + 60_000 };

/** The error readToken throws, or a failure when it accepts the token. */
function refusal(token: string, secret = SECRET, now = NOW): SignpostError {
  try {
    readToken(secret, token, now);
  } catch (err) {
    expect(err).toBeInstanceOf(SignpostError);
    return err as SignpostError;
  }
  throw new Error(`readToken accepted ${JSON.stringify(token)}`);
}

/** The token with one character at `index` replaced by another of the base64url alphabet. */
function flipAt(token: string, index: number): string {
  const char = token[index] === 'A' ? 'B' : 'A';
  return `${token.slice(0, index)}${char}${token.slice(index + 1)}`;
}

describe('Uppy endpoint tokens', () => {
  it('reads back what was minted, with and without a storage', () => {
    expect(readToken(SECRET, mintToken(SECRET, claims), NOW)).toEqual(claims);
    const { storageId: _storageId, ...unbound } = claims;
    const read = readToken(SECRET, mintToken(SECRET, unbound), NOW);
    expect(read).toEqual(unbound);
    expect(read).not.toHaveProperty('storageId');
  });

  it('is a payload and a signature, both base64url, so it can sit in a URL path', () => {
    expect(mintToken(SECRET, claims)).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it('refuses a token whose payload was changed: another user, or any one character', () => {
    const token = mintToken(SECRET, claims);
    const [, signature] = token.split('.');
    const bob = Buffer.from(JSON.stringify({ u: 'bob', t: 'acme', s: 's3', e: claims.expiresAt })).toString('base64url');
    for (const tampered of [`${bob}.${signature}`, flipAt(token, 3), flipAt(token, token.indexOf('.') - 2)]) {
      expect(tampered).not.toBe(token);
      const err = refusal(tampered);
      expect(err.code).toBe('unauthenticated');
      expect(err.message).toMatch(/not valid/);
    }
  });

  it('refuses a token whose signature was changed', () => {
    const token = mintToken(SECRET, claims);
    const dot = token.indexOf('.');
    for (const index of [dot + 1, dot + 10, token.length - 2]) {
      const tampered = flipAt(token, index);
      expect(tampered).not.toBe(token);
      expect(refusal(tampered).code).toBe('unauthenticated');
    }
    // A signature cut short, or with a byte added.
    expect(refusal(token.slice(0, -4)).code).toBe('unauthenticated');
    expect(refusal(`${token}AA`).code).toBe('unauthenticated');
  });

  it('refuses a token signed with another secret', () => {
    const foreign = mintToken('another-secret-of-another-deployment-0123', claims);
    expect(readToken('another-secret-of-another-deployment-0123', foreign, NOW)).toEqual(claims);
    expect(refusal(foreign).code).toBe('unauthenticated');
  });

  it('accepts a token up to its expiry and refuses it after, saying it has expired', () => {
    const token = mintToken(SECRET, claims);
    expect(readToken(SECRET, token, claims.expiresAt).user).toBe('alice');
    const err = refusal(token, SECRET, claims.expiresAt + 1);
    expect(err.code).toBe('unauthenticated');
    expect(err.message).toMatch(/expired/);
  });

  it.each(['', 'a', 'a.', '.a', 'a.b', 'a.b.c', 'not-a-token'])('refuses %j, which is not a token', (token) => {
    const err = refusal(token);
    expect(err.code).toBe('unauthenticated');
    expect(err.message).toMatch(/not valid/);
  });

  it('refuses a genuine token with a third segment added', () => {
    expect(refusal(`${mintToken(SECRET, claims)}.x`).code).toBe('unauthenticated');
  });

  // Node's base64url decoder skips characters outside its alphabet and padding, so a check
  // that only compares decoded bytes accepts other spellings of the same signature. One
  // credential must have one spelling: the log redaction (withoutToken) matches only
  // [A-Za-z0-9_-], so `<token>=` would reach the logs.
  it.each(['=', '==', '~', '*', '%'])('refuses a genuine token with %j appended to its signature', (suffix) => {
    expect(refusal(`${mintToken(SECRET, claims)}${suffix}`).code).toBe('unauthenticated');
  });
});
