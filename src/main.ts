// The production entry: read config, build dependencies, listen, shut down
// gracefully. `npm start` without SIGNPOST_CONFIG goes through scripts/start.ts,
// which starts embedded stores first and then calls runBroker.
import { createServer, STATUS_CODES, type RequestListener, type Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createApp } from './app.js';
import { isClusterWorker, nameWorkerInResponses, runPrimary } from './cluster.js';
import { buildDependencies, createLogger } from './compose.js';
import { ConfigError, DEFAULT_SERVER_LIMITS, loadConfig, type Config, type ServerLimits } from './config.js';
import { RESIDENCE_BY_TYPE } from './protocols/placeos/names.js';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { checkFormArrivals } from './domain/form-upload.js';
import { sweep } from './domain/sweeper.js';
import { demoBundlerInstalled, demoRouter } from './http/demo-page.js';

/** How often the broker looks for awaited form uploads in the store. */
const FORM_ARRIVAL_CHECK_MS = 30_000;
/** How often the broker sweeps expired uploads (every process does; claims keep them apart). */
const SWEEP_EVERY_MS = 60_000;

export interface RunningBroker {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export interface RunOptions {
  /** Prefilled in the demo page (embedded defaults only). */
  devApiKey?: string;
  /** What a storage cannot do, by storage id, shown beside it in the demo page (embedded s3rver). */
  storageLimits?: Record<string, string>;
}

export async function runBroker(config: Config, options: RunOptions = {}): Promise<RunningBroker> {
  const logger = createLogger(config.logLevel);
  const deps = buildDependencies(config, logger);
  // The demo page offers the storages by id and residence, never their credentials.
  const storages = config.storages.map((s) => {
    const limits = options.storageLimits?.[s.id];
    return { id: s.id, residence: RESIDENCE_BY_TYPE[s.type], ...(limits === undefined ? {} : { limits }) };
  });
  if (config.demoPage && !demoBundlerInstalled()) {
    logger.warn('demo_page is on but esbuild (a development dependency) is not installed: the page cannot load its script; install esbuild or turn demo_page off');
  }
  const demo = config.demoPage ? [demoRouter(config.basePath, { storages, ...(options.devApiKey === undefined ? {} : { devApiKey: options.devApiKey }) })] : [];
  const serverLimits = config.server ?? DEFAULT_SERVER_LIMITS;
  const app = createApp({ ...deps, extraRouters: demo, maxBodyBytes: serverLimits.maxBodyBytes });
  if (config.trustProxy) app.set('trust proxy', true);
  let server: Server;
  try {
    // Webhook subscriptions exist before the first request can publish an event.
    await deps.webhooks?.start();
    server = await listen(brokerServer(app, serverLimits), config.host, config.port);
  } catch (err) {
    await deps.webhooks?.stop().catch(() => undefined);
    await deps.repo.close().catch(() => undefined);
    throw err;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info({ url, basePath: config.basePath, storages: config.storages.map((s) => `${s.id} (${s.type})`) }, 'signpost listening');
  // Form uploads (Uppy's POST policy) never report back: look for their objects every so often.
  const arrivalCheck = setInterval(() => {
    checkFormArrivals(deps).catch((err: unknown) => logger.warn({ err }, 'form upload arrival check failed'));
  }, FORM_ARRIVAL_CHECK_MS);
  arrivalCheck.unref();
  // Abandoned multipart uploads of every protocol are aborted in the store; temporary ones end.
  const sweeper = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const sweepTimer = setInterval(() => {
    sweep(deps, sweeper).then(
      (result) => {
        deps.metrics?.swept.inc({ outcome: 'expired' }, result.expired);
        deps.metrics?.swept.inc({ outcome: 'released' }, result.released);
        if (result.expired + result.released > 0) logger.info(result, 'sweep');
      },
      (err: unknown) => logger.warn({ err }, 'sweep failed'),
    );
  }, SWEEP_EVERY_MS);
  sweepTimer.unref();
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      clearInterval(arrivalCheck);
      clearInterval(sweepTimer);
      // Stop accepting and drop idle keep-alive connections; let in-flight requests finish (they
      // are short: no bytes pass through us), but no longer than the grace: a client trickling
      // a body or holding a connection must not keep a stopping broker alive.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), serverLimits.shutdownGraceMs);
      await closed;
      clearTimeout(grace);
      // Deliveries in flight end now and stay queued (the next process sends them): bounded.
      await deps.webhooks?.stop().catch((err: unknown) => logger.warn({ err }, 'webhooks did not stop cleanly'));
      await deps.repo.close();
    })();
    return closing;
  };
  return { url, server, close };
}

/**
 * The HTTP server around the app. A request Node's parser refuses before express sees it
 * (a request line or headers over 16 KiB, bytes that are not HTTP) is answered like every
 * other refusal, {error, message} in JSON, instead of Node's bare status line.
 */
export function brokerServer(app: RequestListener, limits: ServerLimits = DEFAULT_SERVER_LIMITS): Server {
  const server = createServer({
    maxHeaderSize: limits.maxHeaderBytes,
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks those timeouts this often (30 s by default): a trickling client is cut in time.
    connectionsCheckingInterval: Math.min(1_000, limits.requestTimeoutMs),
  }, app);
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // Nothing to answer on a connection the client closed, nor on one already answering a
    // request (Node's own handler looks at the same private field).
    const answering = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (err.code === 'ECONNRESET' || !socket.writable || answering) {
      socket.destroy();
      return;
    }
    const [status, code, message] = err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'too_large', 'request line or headers are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'bad_request', 'request took too long to arrive']
        : [400, 'bad_request', 'request is not valid HTTP'];
    const body = JSON.stringify({ error: code, message });
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  return server;
}

/** The broker could not listen (port busy, no permission, no such address): a sentence for the operator, no stack. */
export class ListenError extends Error {
  override name = 'ListenError';
}

function listenFailure(err: NodeJS.ErrnoException, host: string, port: number): Error {
  switch (err.code) {
    case 'EADDRINUSE':
      return new ListenError(`port ${port} on ${host} is already in use (another Signpost, or another server): stop it or set PORT to a free port`);
    case 'EACCES':
      return new ListenError(`no permission to listen on port ${port} on ${host} (ports below 1024 need privileges): set PORT to a port from 1024 up`);
    case 'EADDRNOTAVAIL':
      return new ListenError(`HOST ${host} is not an address of this machine: set HOST to one of its addresses (0.0.0.0 for all)`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ListenError(`HOST ${host} does not resolve to an address: set HOST to an address or a known name`);
    default:
      return err;
  }
}

/**
 * Listen, or reject with a ListenError. Not express's app.listen: express 5 hands a listen
 * error to its callback, so a busy port looked like success and the broker never bound.
 */
export function listen<T extends NetServer>(server: T, host: string, port: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => reject(listenFailure(err, host, port));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve(server);
    });
  });
}

/** Fails as runBroker would if the port cannot be bound now; the embedded launcher asks before starting its stores. */
export async function assertCanListen(host: string, port: number): Promise<void> {
  const probe = await listen(createNetServer(), host, port);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

/** The last words of an entry point that could not start: one line for what the operator can fix, the stack for the rest. */
export function exitOnStartFailure(err: unknown): never {
  console.error(err instanceof ConfigError || err instanceof ListenError ? `signpost: ${err.message}` : err);
  process.exit(1);
}

/**
 * Stop cleanly on SIGINT/SIGTERM, running `cleanup` (the embedded stores) after the broker
 * closes. A second signal while stopping is ignored, not fatal: Ctrl-C reaches the broker
 * twice under `npm start` (from the terminal, and forwarded by npm), and dying on the second
 * would leave the stores' temporary folders behind.
 */
export function closeOnSignals(broker: RunningBroker, cleanup: () => Promise<void> = async () => {}): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${signal}: shutting down`);
    void broker.close().then(cleanup).then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function main(): Promise<void> {
  const { config, serverEnv } = loadConfig(process.env);
  if (!config) throw new ConfigError('SIGNPOST_CONFIG is not set: point it at a config file, or run `npm start` for the embedded defaults');
  // WORKERS=N: this process forks N workers (each runs this same main) and serves nothing itself.
  if ((serverEnv.workers ?? 1) > 1 && !isClusterWorker()) {
    runPrimary({ workers: serverEnv.workers ?? 1, stopGraceMs: (config.server ?? DEFAULT_SERVER_LIMITS).shutdownGraceMs });
    return;
  }
  const broker = await runBroker(config);
  nameWorkerInResponses(broker.server);
  closeOnSignals(broker);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch(exitOnStartFailure);
}
