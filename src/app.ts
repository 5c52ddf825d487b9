// createApp(deps) → the express app. The pipeline, one step a line, in order.
import express, { type Express, type Router } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { DomainContext } from './domain/context.js';
import { authenticate, createAuthenticator, type AuthConfig } from './http/auth.js';
import { errorHandler, notFoundRoute } from './http/error-handler.js';
import { residenceRoute } from './http/routes/residence.js';
import { createRoute } from './http/routes/create.js';
import { editRoute, patchRoute } from './http/routes/parts.js';
import { abortRoute, finalizeRoute, statusRoute } from './http/routes/lifecycle.js';
import { listRoute, readUrlRoute } from './http/routes/listing.js';
import type { RouteDeps } from './http/routes/deps.js';
import { createValidators } from './http/validation.js';

export interface AppDeps extends DomainContext {
  basePath: string;
  auth: AuthConfig;
  logger: Logger;
  /** Extra routers mounted at / before the 404 (the demo page). */
  extraRouters?: Router[];
}

function uploadsRouter(deps: RouteDeps, auth: AuthConfig): Router {
  const router = express.Router();
  router.use(authenticate(createAuthenticator(auth)));
  router.get('/new', residenceRoute(deps));
  router.post('/', createRoute(deps));
  router.get('/', listRoute(deps));
  router.patch('/:id', patchRoute(deps));
  router.get('/:id/edit', editRoute(deps));
  router.get('/:id/url', readUrlRoute(deps));
  router.put('/:id', finalizeRoute(deps));
  router.get('/:id', statusRoute(deps));
  router.delete('/:id', abortRoute(deps));
  return router;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  const routeDeps: RouteDeps = { ctx: deps, validators: createValidators() };
  app.disable('x-powered-by');
  // 1. One log line per request, with its id; credentials are redacted.
  app.use(pinoHttp({ logger: deps.logger, redact: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers["x-upload-token"]'] }));
  // 2. JSON bodies only, bounded (a 50,000-entry part_data fits).
  app.use(express.json({ limit: '8mb', strict: true, type: ['application/json', 'application/*+json'] }));
  // 3. Liveness for launchers and load balancers.
  app.get('/healthz', (_req, res) => void res.json({ ok: true }));
  // 4. The uploads API, every route authenticated.
  app.use(deps.basePath, uploadsRouter(routeDeps, deps.auth));
  // 5. Optional extras (demo page).
  for (const router of deps.extraRouters ?? []) app.use(router);
  // 6. Unknown routes and every error: {error, message}.
  app.use(notFoundRoute);
  app.use(errorHandler(deps.logger));
  return app;
}
