// What operators watch: /healthz (the process answers), /readyz (Redis and every
// store answer, with the reason when one does not), and Prometheus metrics at
// /metrics (prom-client): request latency and counts by route and status — which
// also counts parts signed (a 200 on a signing route) and verifications failed
// (422s) —, errors by code (store and Redis failures among them), sweeper rounds, and
// uploads by what happened to them (created, completed, aborted, expired).
import express, { type ErrorRequestHandler, type RequestHandler, type Router } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DomainContext } from '../domain/context.js';
import type { UploadEvents } from '../domain/events.js';
import { SignpostError } from '../domain/errors.js';

export interface Metrics {
  registry: Registry;
  requests: Histogram<'method' | 'route' | 'status'>;
  errors: Counter<'code'>;
  swept: Counter<'outcome'>;
  uploads: Counter<'event'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'signpost_' });
  return {
    registry,
    requests: new Histogram({ name: 'signpost_http_request_duration_seconds', help: 'Broker requests by route pattern and status', labelNames: ['method', 'route', 'status'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10], registers: [registry] }),
    errors: new Counter({ name: 'signpost_errors_total', help: 'Refusals and failures by error code (store_* and state_unavailable: the stores and Redis)', labelNames: ['code'], registers: [registry] }),
    swept: new Counter({ name: 'signpost_swept_total', help: 'Uploads the sweeper expired (aborted in the store) or released (temporary)', labelNames: ['outcome'], registers: [registry] }),
    uploads: new Counter({ name: 'signpost_upload_events_total', help: 'Uploads by what happened to them: created, completed, aborted, expired', labelNames: ['event'], registers: [registry] }),
  };
}

/**
 * Times every request under its route pattern — the mount it came through and the pattern
 * that matched, never its ids or tokens, so labels stay bounded. (express has reset
 * req.baseUrl by the time an error is answered: the mount is found from the URL.)
 */
export function measureRequests(metrics: Metrics, mounts: string[]): RequestHandler {
  const longestFirst = [...mounts].sort((a, b) => b.length - a.length);
  return (req, res, next) => {
    const end = metrics.requests.startTimer();
    res.on('finish', () => {
      const pattern = (req.route as { path?: string } | undefined)?.path;
      const mount = longestFirst.find((m) => req.originalUrl === m || req.originalUrl.startsWith(`${m}/`)) ?? '';
      const route = pattern === undefined ? 'unmatched' : `${mount}${pattern}`;
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}

/**
 * Counts every upload event — the domain emits each once, from the call that made the change —
 * and passes it on to the webhooks when they are configured.
 */
export function countUploadEvents(metrics: Metrics, next?: UploadEvents): UploadEvents {
  return {
    publish: async (event) => {
      metrics.uploads.inc({ event: event.type.replace(/^upload\./, '') });
      await next?.publish(event);
    },
  };
}

/** Counts each error by its code on its way to the error handler. */
export function countErrors(metrics: Metrics): ErrorRequestHandler {
  return (err, _req, _res, next) => {
    metrics.errors.inc({ code: err instanceof SignpostError ? err.code : 'internal' });
    next(err);
  };
}

const PROBE_KEY = '.signpost-readyz-probe';

/**
 * /healthz, /readyz and /metrics, in front of the APIs (a base path may be `/`), yet not a
 * router every API request walks through: one test of the path finds the three, matched as
 * the router matches them (any case, an optional trailing slash).
 */
export function observabilityRoutes(ctx: DomainContext, metrics: Metrics): RequestHandler {
  const router = observabilityRouter(ctx, metrics);
  return (req, res, next) => {
    if (OBSERVABILITY_PATH.test(req.path)) router(req, res, next);
    else next();
  };
}

const OBSERVABILITY_PATH = /^\/(?:healthz|readyz|metrics)\/?$/i;

/** /healthz, /readyz and /metrics. */
function observabilityRouter(ctx: DomainContext, metrics: Metrics): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => void res.json({ ok: true }));
  router.get('/readyz', async (_req, res) => {
    const checks: Record<string, string> = {};
    const probe = async (name: string, run: () => Promise<unknown>) => {
      try {
        await run();
        checks[name] = 'ok';
      } catch (error) {
        checks[name] = error instanceof Error ? error.message : String(error);
      }
    };
    // A record that does not exist, an object that does not exist: answered means reachable.
    await Promise.all([
      probe('state', () => ctx.repo.get(PROBE_KEY)),
      ...ctx.storages.all().map((storage) => probe(`storage:${storage.id}`, () => storage.store.statObject({ key: PROBE_KEY }))),
    ]);
    const ready = Object.values(checks).every((v) => v === 'ok');
    res.status(ready ? 200 : 503).json({ ready, checks });
  });
  router.get('/metrics', async (_req, res) => {
    res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
