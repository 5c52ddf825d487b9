// Uppy Companion's S3 protocol, so an unmodified @uppy/aws-s3 uploads through
// Signpost with its endpoint at `<broker><basePath>/<token>`:
//   POST <basePath>/tokens           (user credentials) → a token for one browser
//   <basePath>/<token>/s3/…          the routes Uppy calls (routes.ts)
// CORS for the configured origins on all of it, preflights included, before
// authentication (a preflight carries no credentials).
import express, { type RequestHandler, type Router } from 'express';
import { mintTokenBody, type MintTokenBody } from '../../../schemas/companion/requests.js';
import { requireUser } from '../../domain/access.js';
import { errors } from '../../domain/errors.js';
import { authenticate, type Authenticator } from '../../http/auth.js';
import { corsFor } from '../../http/cors.js';
import type { RateGate } from '../../http/rate-limit.js';
import { accessOf, type RouteDeps } from '../../http/route-deps.js';
import { abortRoute, completeRoute, createMultipartRoute, listPartsRoute, paramsRoute, signPartRoute } from './routes.js';
import { callerOf, mintToken, readToken } from './token.js';

export interface CompanionConfig {
  /** Where the protocol is mounted (default /uppy). */
  basePath: string;
  /** HMAC key of the endpoint tokens; every broker process must share it. */
  tokenSecret: string;
  defaultTokenTtlSeconds: number;
  maxTokenTtlSeconds: number;
}

// POST /tokens {storage_id?, ttl_seconds?} → 201 {token, endpoint, expires_at}.
function mintRoute({ ctx, validators }: RouteDeps, config: CompanionConfig): RequestHandler {
  return (req, res) => {
    const body = validators.body<MintTokenBody>(mintTokenBody, req.body);
    const caller = requireUser(accessOf(res));
    // The storage must be one the caller may use now; the token is bound to it.
    const storage = ctx.storages.usableBy(caller, body.storage_id);
    const ttl = Math.min(body.ttl_seconds ?? config.defaultTokenTtlSeconds, config.maxTokenTtlSeconds);
    const expiresAt = ctx.clock.now() + ttl * 1000;
    const token = mintToken(config.tokenSecret, { user: caller.user, tenant: caller.tenant, storageId: storage.id, expiresAt });
    res.status(201).json({ token, endpoint: `${config.basePath}/${token}`, expires_at: new Date(expiresAt).toISOString() });
  };
}

/**
 * Reads the token in the path; 401 when it is missing, forged or expired. The token stands
 * for the user and tenant who minted it, so its requests count against their rate limits
 * (shared with their own API calls): a browser holding a token is not a way around them.
 */
function tokenHolder(deps: RouteDeps, config: CompanionConfig, rateGate: RateGate | undefined): RequestHandler {
  return async (req, res, next) => {
    const token = req.params['token'];
    const claims = readToken(config.tokenSecret, typeof token === 'string' ? token : '', deps.ctx.clock.now());
    const access = { kind: 'user', caller: callerOf(claims) } as const;
    await rateGate?.(access);
    res.locals['companion'] = { access, claims };
    next();
  };
}

/** `rateGate` counts the token routes; `authenticator` (which counts its own) guards the minting. */
export function companionRouter(deps: RouteDeps, authenticator: Authenticator, config: CompanionConfig, corsOrigins: string[], rateGate?: RateGate): Router {
  const router = express.Router();
  router.use(corsFor(corsOrigins, { methods: ['GET', 'POST', 'DELETE'], allowedHeaders: ['Content-Type', 'Authorization', 'X-API-Key'], maxAge: 600 }));
  router.post('/tokens', authenticate(authenticator), mintRoute(deps, config));
  // An endpoint without its token (`/uppy/s3/…`, `/uppy//s3/…`) is a credential problem, not an unknown route.
  router.use((req, _res, next) => {
    next(/^\/*s3(\/|$)/.test(req.path) ? errors.unauthenticated('the upload endpoint has no token: use the endpoint a token was minted with') : undefined);
  });
  const s3 = express.Router({ mergeParams: true });
  s3.get('/params', paramsRoute(deps));
  s3.post('/multipart', createMultipartRoute(deps));
  s3.get('/multipart/:uploadId/:partNumber', signPartRoute(deps));
  s3.get('/multipart/:uploadId', listPartsRoute(deps));
  s3.post('/multipart/:uploadId/complete', completeRoute(deps));
  s3.delete('/multipart/:uploadId', abortRoute(deps));
  router.use('/:token/s3', tokenHolder(deps, config, rateGate), s3);
  return router;
}

/**
 * A request path with the segment after the base path blanked, for logs: there sits the
 * endpoint token, a credential — whatever follows it, even a mistyped endpoint's `//s3`.
 */
export function withoutToken(basePath: string, path: string): string {
  if (!path.startsWith(`${basePath}/`)) return path;
  const rest = path.slice(basePath.length + 1);
  const end = rest.search(/[/?#]/);
  const segment = end === -1 ? rest : rest.slice(0, end);
  if (segment === '' || segment === 'tokens') return path;
  return `${basePath}/<token>${end === -1 ? '' : rest.slice(end)}`;
}
