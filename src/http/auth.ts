// Who is asking: `Authorization: Bearer <JWT>` (HS256 secret, RS256/ES256
// public keys), `X-API-Key`, or — on upload-scoped routes — `X-Upload-Token`.
// Whether they may act on a given upload is decided in domain/access.ts.
import * as crypto from 'node:crypto';
import { createHash, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Access } from '../domain/access.js';
import { errors } from '../domain/errors.js';
import type { Caller } from '../domain/upload.js';
import { LRUCache } from 'lru-cache';

export interface JwtConfig {
  hs256Secret?: string;
  /** PEM SPKI public keys (RSA → RS256, EC → ES256). */
  publicKeys: string[];
  issuer?: string;
  audience?: string;
  /** Claim paths; dots walk into objects (`u.id`). */
  userClaim: string;
  tenantClaim: string;
  rolesClaim: string;
}

export interface AuthConfig {
  jwt?: JwtConfig;
  apiKeys: Record<string, Caller>;
}

interface VerificationKey {
  key: KeyObject;
  algorithms: string[];
}

/** Verified bearer tokens remembered (by digest) until they expire; the oldest go first beyond this. */
const VERIFIED_TOKENS = 10_000;

function verificationKeys(jwt: JwtConfig | undefined): VerificationKey[] {
  if (!jwt) return [];
  const keys: VerificationKey[] = jwt.publicKeys.map((pem) => {
    const key = createPublicKey(pem);
    return { key, algorithms: key.asymmetricKeyType === 'ec' ? ['ES256'] : ['RS256'] };
  });
  // A KeyObject, not the secret's bytes: jose imports raw bytes into WebCrypto on every
  // verification, a KeyObject once (it caches the CryptoKey it makes of it).
  if (jwt.hs256Secret !== undefined) keys.push({ key: createSecretKey(Buffer.from(jwt.hs256Secret, 'utf8')), algorithms: ['HS256'] });
  return keys;
}

function claim(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const step of path.split('.')) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[step] : undefined;
  return value;
}

function callerFromClaims(payload: JWTPayload, jwt: JwtConfig): Caller {
  const user = claim(payload, jwt.userClaim);
  const tenant = claim(payload, jwt.tenantClaim);
  const roles = claim(payload, jwt.rolesClaim);
  if (typeof user !== 'string' || user === '') throw errors.unauthenticated(`token has no ${jwt.userClaim} claim`);
  if (typeof tenant !== 'string' || tenant === '') throw errors.unauthenticated(`token has no ${jwt.tenantClaim} claim`);
  const roleList = Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : typeof roles === 'string' ? roles.split(',') : [];
  return { user, tenant, roles: roleList.map((r) => r.trim()).filter(Boolean) };
}

// Every request digests its API key or bearer token: node's one-shot hash (Node ≥ 20.12) does
// it in a fifth of the time of a Hash object.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
const digest = oneShot ? (value: string) => oneShot('sha256', value, 'hex') : (value: string) => createHash('sha256').update(value).digest('hex');

/** Who is asking, from a request's headers; 401 when nobody we know. */
export type Authenticator = (req: Request) => Promise<Access>;

export function createAuthenticator(config: AuthConfig): Authenticator {
  const keys = verificationKeys(config.jwt);
  // Keys are looked up by digest so the map never holds or compares raw secrets.
  const apiKeys = new Map(Object.entries(config.apiKeys).map(([key, caller]) => [digest(key), caller]));

  // A client sends the same token with every request until it expires: its verification
  // (WebCrypto through jose, 100 µs and more) is done once, then a digest looks it up. Only
  // tokens that passed every check are kept, each until its own exp (as jose checks it).
  const verified = new LRUCache<string, { caller: Caller; exp: number }>({ max: VERIFIED_TOKENS });
  const nowSeconds = () => Math.floor(Date.now() / 1000);

  async function fromJwt(token: string): Promise<Caller> {
    const id = digest(token);
    const known = verified.get(id);
    if (known && nowSeconds() < known.exp) return known.caller;
    verified.delete(id);
    const { caller, exp } = await verifyJwt(token);
    verified.set(id, { caller, exp });
    return caller;
  }

  async function verifyJwt(token: string): Promise<{ caller: Caller; exp: number }> {
    const jwt = config.jwt;
    if (!jwt || keys.length === 0) throw errors.unauthenticated('bearer tokens are not accepted by this broker');
    for (const { key, algorithms } of keys) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key, {
          algorithms,
          // A token without an expiry would be a credential forever.
          requiredClaims: ['exp'],
          ...(jwt.issuer === undefined ? {} : { issuer: jwt.issuer }),
          ...(jwt.audience === undefined ? {} : { audience: jwt.audience }),
        }));
      } catch (err) {
        if (err instanceof joseErrors.JWTExpired) throw errors.unauthenticated('bearer token has expired');
        if (err instanceof joseErrors.JWTClaimValidationFailed) throw errors.unauthenticated(`bearer token ${err.message}`);
        continue; // Not signed with this key: try the next one.
      }
      // requiredClaims made jose check exp is there (a number, in the future).
      return { caller: callerFromClaims(payload, jwt), exp: payload.exp as number };
    }
    throw errors.unauthenticated('bearer token is not valid');
  }

  return async (req) => {
    const authorization = req.get('authorization');
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (!match?.[1]) throw errors.unauthenticated('Authorization must be "Bearer <token>"');
      return { kind: 'user', caller: await fromJwt(match[1]) };
    }
    const apiKey = req.get('x-api-key');
    if (apiKey !== undefined) {
      const caller = apiKeys.get(digest(apiKey));
      if (!caller) throw errors.unauthenticated('X-API-Key is not valid');
      return { kind: 'user', caller };
    }
    // Upload-Token is API v1's spelling (seed 000: PortSIP-Upload-Token); X-Upload-Token everyone's.
    const uploadToken = req.get('x-upload-token') ?? req.get('upload-token');
    if (uploadToken !== undefined && uploadToken !== '') return { kind: 'upload-token', token: uploadToken };
    throw errors.unauthenticated('send Authorization: Bearer <JWT> or X-API-Key');
  };
}

/** Express middleware: puts the Access on res.locals.access or fails with 401. */
export function authenticate(authenticator: Authenticator): RequestHandler {
  return async (req, res, next) => {
    res.locals['access'] = await authenticator(req);
    next();
  };
}
