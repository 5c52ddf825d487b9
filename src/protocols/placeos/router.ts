// PlaceOS's uploads API (PROTOCOL.md), every route authenticated.
import express, { type Router } from 'express';
import { authenticate, type Authenticator } from '../../http/auth.js';
import type { RouteDeps } from '../../http/route-deps.js';
import { createRoute } from './routes/create.js';
import { abortRoute, finalizeRoute, statusRoute } from './routes/lifecycle.js';
import { listRoute, readUrlRoute } from './routes/listing.js';
import { editRoute, patchRoute } from './routes/parts.js';
import { residenceRoute } from './routes/residence.js';

export function placeosRouter(deps: RouteDeps, authenticator: Authenticator): Router {
  const router = express.Router();
  router.use(authenticate(authenticator));
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
