// The production entry: read config, build dependencies, listen, shut down
// gracefully. `npm start` without SIGNPOST_CONFIG goes through scripts/start.ts,
// which starts embedded stores first and then calls runBroker.
import type { Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import { createApp } from './app.js';
import { buildDependencies, createLogger } from './compose.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { RESIDENCE_BY_TYPE } from './protocols/placeos/names.js';
import { checkFormArrivals } from './domain/form-upload.js';
import { demoRouter } from './http/demo-page.js';

/** How often the broker looks for awaited form uploads in the store. */
const FORM_ARRIVAL_CHECK_MS = 30_000;

export interface RunningBroker {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export interface RunOptions {
  /** Prefilled in the demo page (embedded defaults only). */
  devApiKey?: string;
}

export async function runBroker(config: Config, options: RunOptions = {}): Promise<RunningBroker> {
  const logger = createLogger(config.logLevel);
  const deps = buildDependencies(config, logger);
  // The demo page offers the storages by id and residence, never their credentials.
  const storages = config.storages.map((s) => ({ id: s.id, residence: RESIDENCE_BY_TYPE[s.type] }));
  const demo = config.demoPage ? [demoRouter(config.basePath, { storages, ...(options.devApiKey === undefined ? {} : { devApiKey: options.devApiKey }) })] : [];
  const app = createApp({ ...deps, extraRouters: demo });
  if (config.trustProxy) app.set('trust proxy', true);
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(config.port, config.host, () => resolve(listening));
    listening.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info({ url, basePath: config.basePath, storages: config.storages.map((s) => `${s.id} (${s.type})`) }, 'signpost listening');
  // Form uploads (Uppy's POST policy) never report back: look for their objects every so often.
  const arrivalCheck = setInterval(() => {
    checkFormArrivals(deps).catch((err: unknown) => logger.warn({ err }, 'form upload arrival check failed'));
  }, FORM_ARRIVAL_CHECK_MS);
  arrivalCheck.unref();
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      clearInterval(arrivalCheck);
      // Stop accepting, let in-flight requests finish (they are short: no bytes pass through us).
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await deps.repo.close();
    })();
    return closing;
  };
  return { url, server, close };
}

/** Stop cleanly on SIGINT/SIGTERM, running `cleanup` after the broker closes. */
export function closeOnSignals(broker: RunningBroker, cleanup: () => Promise<void> = async () => {}): void {
  const stop = (signal: string) => {
    console.error(`\n${signal}: shutting down`);
    void broker.close().then(cleanup).then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

async function main(): Promise<void> {
  const { config } = loadConfig(process.env);
  if (!config) throw new ConfigError('SIGNPOST_CONFIG is not set: point it at a config file, or run `npm start` for the embedded defaults');
  closeOnSignals(await runBroker(config));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err instanceof ConfigError ? `signpost: ${err.message}` : err);
    process.exit(1);
  });
}
