// Signpost's own API v1 (seeds 000–002), every route from the route table
// authenticated; the OpenAPI document describing exactly those routes is
// served without credentials.
import express, { type Router } from 'express';
import { authenticate, type Authenticator } from '../../http/auth.js';
import type { RouteDeps } from '../../http/route-deps.js';
import { openApiDocument } from './openapi.js';
import { V1_ROUTES } from './routes-table.js';

export function v1Router(deps: RouteDeps, authenticator: Authenticator, basePath: string): Router {
  const router = express.Router();
  const document = openApiDocument(basePath);
  router.get('/openapi.json', (_req, res) => void res.json(document));
  router.use(authenticate(authenticator));
  for (const route of V1_ROUTES) router[route.method](route.path, route.handler(deps));
  return router;
}
