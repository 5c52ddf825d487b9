// createApp(deps) → the express app. The pipeline, one step a line, in order.
import express, { type Express, type Router } from 'express';
import type { Logger } from 'pino';
import type { DomainContext } from './domain/context.js';
import { createAuthenticator, type AuthConfig } from './http/auth.js';
import { gatedAuthenticator, type RateGate } from './http/rate-limit.js';
import { requestLogging } from './http/request-logging.js';
import { apiCors } from './http/cors.js';
import { countErrors, createMetrics, measureRequests, observabilityRoutes, type Metrics } from './http/observability.js';
import { errorHandler, notFoundRoute } from './http/error-handler.js';
import type { RouteDeps } from './http/route-deps.js';
import { createValidators } from './http/validation.js';
import { companionRouter, withoutToken, type CompanionConfig } from './protocols/companion/router.js';
import { placeosRouter } from './protocols/placeos/router.js';
import { v1Router } from './protocols/v1/router.js';

export interface AppDeps extends DomainContext {
  basePath: string;
  auth: AuthConfig;
  /** Uppy Companion's S3 protocol: where it is mounted and how its tokens are made. */
  companion: CompanionConfig;
  /** Where Signpost's own API v1 is mounted (default /api/v1). */
  v1BasePath: string;
  /** Browser origins allowed to call the broker across origins. */
  corsOrigins: string[];
  logger: Logger;
  /** Counts each authenticated request against the rate limits (none when absent). */
  rateGate?: RateGate;
  /** Largest JSON body taken (413 beyond); default 8 MiB. */
  maxBodyBytes?: number;
  /** Prometheus metrics; one set per app when not given. */
  metrics?: Metrics;
  /** Extra routers mounted at / before the 404 (the demo page). */
  extraRouters?: Router[];
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  const routeDeps: RouteDeps = { ctx: deps, validators: createValidators() };
  const { rateGate } = deps;
  // Who is asking, then whether they may ask now: every authenticated route counts against the rate limits.
  const authenticator = gatedAuthenticator(createAuthenticator(deps.auth), rateGate);
  app.disable('x-powered-by');
  // No ETag on API answers: no client revalidates them (PlaceOS clients, the v1 client, Uppy), and
  // express would hash every JSON answer for it, copying it into a Buffer first. The extras below
  // (the demo page's assets) keep theirs.
  app.set('etag', false);
  // 1. One log line per request, with its id; credentials are redacted (and presigned URLs in Location:
  //    a download link is a bearer credential), the Uppy endpoint token in a path too.
  app.use(
    requestLogging(deps.logger, {
      redact: { request: ['authorization', 'x-api-key', 'x-upload-token', 'upload-token'], response: ['upload-token', 'location'] },
      url: (url) => withoutToken(deps.companion.basePath, url),
    }),
  );
  // 2. JSON bodies only, bounded (the default 8 MiB fits a 50,000-entry part_data).
  app.use(express.json({ limit: deps.maxBodyBytes ?? 8 * 1024 * 1024, strict: true, type: ['application/json', 'application/*+json'] }));
  // 3. Liveness (/healthz), readiness (/readyz: Redis and every store) and Prometheus metrics (/metrics).
  const metrics = deps.metrics ?? createMetrics();
  app.use(measureRequests(metrics, [deps.basePath, deps.v1BasePath, deps.companion.basePath]));
  app.use(observabilityRoutes(deps, metrics));
  // 4. PlaceOS's uploads API (CORS for the configured origins before authentication).
  app.use(deps.basePath, apiCors(deps.corsOrigins), placeosRouter(routeDeps, authenticator));
  // 5. Signpost's own API v1 (digest-addressed uploads, sessions; OpenAPI at <base>/openapi.json).
  app.use(deps.v1BasePath, apiCors(deps.corsOrigins), v1Router(routeDeps, authenticator, deps.v1BasePath));
  // 6. Uppy Companion's S3 protocol (token in the path; CORS for the configured origins).
  app.use(deps.companion.basePath, companionRouter(routeDeps, authenticator, deps.companion, deps.corsOrigins, rateGate));
  // 7. Optional extras (demo page), in an app of their own: its assets are revalidated by ETag.
  if (deps.extraRouters?.length) app.use(withEtags(deps.extraRouters));
  // 8. Unknown routes and every error: {error, message}.
  app.use(notFoundRoute);
  app.use(countErrors(metrics));
  app.use(errorHandler(deps.logger, (url) => withoutToken(deps.companion.basePath, url)));
  return app;
}

/** Routers served by an express app that makes ETags (its default), for answers browsers revalidate. */
function withEtags(routers: Router[]): Express {
  const extras = express();
  extras.disable('x-powered-by');
  for (const router of routers) extras.use(router);
  return extras;
}
