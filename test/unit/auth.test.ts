import { generateKeyPairSync } from 'node:crypto';
import type { Request } from 'express';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuthenticator, type AuthConfig } from '../../src/http/auth.js';

const secret = 'a-test-secret-that-is-long-enough';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const config: AuthConfig = {
  apiKeys: { 'key-for-device-0001': { user: 'device-1', tenant: 'acme', roles: [] } },
  jwt: {
    hs256Secret: secret,
    publicKeys: [rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(), ec.publicKey.export({ type: 'spki', format: 'pem' }).toString()],
    userClaim: 'sub', tenantClaim: 'tenant', rolesClaim: 'roles', issuer: 'https://issuer.test',
  },
};
const authenticate = createAuthenticator(config);
const request = (headers: Record<string, string>) => ({ get: (name: string) => headers[name.toLowerCase()] }) as unknown as Request;
const jwt = (claims: Record<string, unknown>) => new SignJWT(claims).setIssuer('https://issuer.test').setIssuedAt().setExpirationTime('5m');

async function rejection(headers: Record<string, string>): Promise<{ code: string; message: string }> {
  return authenticate(request(headers)).then(() => { throw new Error('expected a rejection'); }, (err: { code: string; message: string }) => err);
}

describe('authentication', () => {
  it('accepts HS256, RS256 and ES256 tokens and reads user, tenant and roles', async () => {
    const claims = { sub: 'alice', tenant: 'acme', roles: ['admin'] };
    const tokens = [
      await jwt(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret)),
      await jwt(claims).setProtectedHeader({ alg: 'RS256' }).sign(rsa.privateKey),
      await jwt(claims).setProtectedHeader({ alg: 'ES256' }).sign(ec.privateKey),
    ];
    for (const token of tokens) {
      expect(await authenticate(request({ authorization: `Bearer ${token}` }))).toEqual({ kind: 'user', caller: { user: 'alice', tenant: 'acme', roles: ['admin'] } });
    }
  });

  it('maps API keys to their configured caller', async () => {
    expect(await authenticate(request({ 'x-api-key': 'key-for-device-0001' }))).toEqual({ kind: 'user', caller: { user: 'device-1', tenant: 'acme', roles: [] } });
    expect(await rejection({ 'x-api-key': 'wrong' })).toMatchObject({ code: 'unauthenticated' });
  });

  it('takes an upload token as a credential of its own kind', async () => {
    expect(await authenticate(request({ 'x-upload-token': 'tok' }))).toEqual({ kind: 'upload-token', token: 'tok' });
  });

  it('refuses missing, malformed, forged, expired, wrong-issuer and claim-less tokens with unauthenticated', async () => {
    expect(await rejection({})).toMatchObject({ code: 'unauthenticated' });
    expect(await rejection({ authorization: 'Basic abc' })).toMatchObject({ code: 'unauthenticated' });
    const forged = await jwt({ sub: 'a', tenant: 't' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('another-secret-entirely-000'));
    expect(await rejection({ authorization: `Bearer ${forged}` })).toMatchObject({ code: 'unauthenticated', message: 'bearer token is not valid' });
    const expired = await new SignJWT({ sub: 'a', tenant: 't' }).setIssuer('https://issuer.test').setProtectedHeader({ alg: 'HS256' }).setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(new TextEncoder().encode(secret));
    expect(await rejection({ authorization: `Bearer ${expired}` })).toMatchObject({ message: 'bearer token has expired' });
    const wrongIssuer = await new SignJWT({ sub: 'a', tenant: 't' }).setIssuer('https://evil.test').setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
    expect(await rejection({ authorization: `Bearer ${wrongIssuer}` })).toMatchObject({ code: 'unauthenticated' });
    const noTenant = await jwt({ sub: 'a' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
    expect(await rejection({ authorization: `Bearer ${noTenant}` })).toMatchObject({ message: 'token has no tenant claim' });
    // A token that never expires is refused.
    const forever = await new SignJWT({ sub: 'a', tenant: 't' }).setIssuer('https://issuer.test').setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
    expect(await rejection({ authorization: `Bearer ${forever}` })).toMatchObject({ code: 'unauthenticated', message: expect.stringContaining('exp') });
    const noUser = await jwt({ tenant: 't' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
    expect(await rejection({ authorization: `Bearer ${noUser}` })).toMatchObject({ message: 'token has no sub claim' });
    // alg=none must never be accepted.
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"a","tenant":"t"}').toString('base64url')}.`;
    expect(await rejection({ authorization: `Bearer ${none}` })).toMatchObject({ code: 'unauthenticated' });
  });

  describe('verified tokens remembered until they expire', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('accepts a remembered token as it was verified, and refuses it once its exp has passed', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const token = await jwt({ sub: 'carol', tenant: 'acme', roles: 'support' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
      const fresh = createAuthenticator(config);
      const caller = { kind: 'user', caller: { user: 'carol', tenant: 'acme', roles: ['support'] } };
      for (let i = 0; i < 3; i++) expect(await fresh(request({ authorization: `Bearer ${token}` }))).toEqual(caller);
      vi.setSystemTime(Date.now() + 4 * 60_000);
      expect(await fresh(request({ authorization: `Bearer ${token}` }))).toEqual(caller);
      vi.setSystemTime(Date.now() + 60_000);
      const expired = await fresh(request({ authorization: `Bearer ${token}` })).catch((err: { message: string }) => err);
      expect(expired).toMatchObject({ code: 'unauthenticated', message: 'bearer token has expired' });
    });

    it('remembers per authenticator, by the whole token: another secret or a changed token is verified afresh', async () => {
      const token = await jwt({ sub: 'dave', tenant: 'acme' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
      expect(await authenticate(request({ authorization: `Bearer ${token}` }))).toMatchObject({ caller: { user: 'dave' } });
      const other = createAuthenticator({ ...config, jwt: { ...config.jwt!, hs256Secret: 'yet-another-secret-of-enough-length' } });
      expect(await other(request({ authorization: `Bearer ${token}` })).catch((err: { message: string }) => err)).toMatchObject({ message: 'bearer token is not valid' });
      const [header, payload, signature] = token.split('.');
      // The signature's first character carries six whole bits (its last carries padding too:
      // rewriting the end could decode to the same bytes, one run in about a thousand).
      const tampered = `${header}.${payload}.${signature?.startsWith('A') ? 'B' : 'A'}${signature?.slice(1)}`;
      expect(await rejection({ authorization: `Bearer ${tampered}` })).toMatchObject({ message: 'bearer token is not valid' });
    });
  });
});
