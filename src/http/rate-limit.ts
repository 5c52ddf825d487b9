// Rate limits per user and per tenant (config `rate_limits`), counted in Redis
// when the broker has one — so every broker process shares the counts — and in
// memory otherwise, with rate-limiter-flexible. Over a limit: 429 with
// Retry-After. If Redis fails, counting falls back to this process's memory
// rather than refusing every request.
import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Access } from '../domain/access.js';
import type { Authenticator } from './auth.js';
import { errors } from '../domain/errors.js';

export interface RateLimits {
  perUserPerMinute?: number;
  perTenantPerMinute?: number;
}

/** Counts one request of this caller; throws rate_limited (429) when over a limit. */
export type RateGate = (access: Access) => Promise<void>;

function limiter(points: number, keyPrefix: string, redis: Redis | Cluster | undefined): RateLimiterAbstract {
  const options = { points, duration: 60, keyPrefix };
  if (!redis) return new RateLimiterMemory(options);
  return new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: new RateLimiterMemory(options) });
}

export function createRateGate(limits: RateLimits, redis?: Redis | Cluster): RateGate | undefined {
  const perUser = limits.perUserPerMinute === undefined ? undefined : limiter(limits.perUserPerMinute, 'signpost-rl-user', redis);
  const perTenant = limits.perTenantPerMinute === undefined ? undefined : limiter(limits.perTenantPerMinute, 'signpost-rl-tenant', redis);
  if (!perUser && !perTenant) return undefined;
  return async (access) => {
    // An upload token counts as its own caller (it has no user); digested, never stored.
    const who = access.kind === 'user' ? `${access.caller.tenant}\u0000${access.caller.user}` : `token\u0000${createHash('sha256').update(access.token).digest('hex')}`;
    try {
      await perUser?.consume(who);
      if (access.kind === 'user') await perTenant?.consume(access.caller.tenant);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw errors.rateLimited(`too many requests; try again in ${retryAfter} s`, retryAfter);
    }
  };
}

/** Who is asking, then whether they may ask now: the authenticator every protocol's routes use. */
export function gatedAuthenticator(authenticate: Authenticator, rateGate: RateGate | undefined): Authenticator {
  if (rateGate === undefined) return authenticate;
  return async (req) => {
    const access = await authenticate(req);
    await rateGate(access);
    return access;
  };
}
