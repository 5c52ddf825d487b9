// The entry points as an operator meets them: a busy port stops them with a sentence naming
// the port (exit 1), and SIGTERM to `npm start` — to npm itself, as a service manager or a
// terminal sends it — stops the broker and the embedded stores, leaving no process behind.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { acceptsConnections, freePort, waitUntil } from '../../scripts/servers/ports.js';
import { descendants, isRunning, launch, type Launched } from '../support/processes.js';

// Each test starts an entry point under tsx (npm start also two stores): with one CPU hog beside
// it that took 40 s here, past vitest's default 30 s per test, hence the timeouts below.
const launched: Launched[] = [];
afterEach(() => {
  for (const process of launched.splice(0)) process.killGroup();
});

function npmStart(env: Record<string, string>): Launched {
  const started = launch('npm', ['start'], { SIGNPOST_CONFIG: '', REDIS_URL: '', ...env });
  launched.push(started);
  return started;
}

/** The production entry from source (the compiled one is tested in production-build.test.ts). */
function mainEntry(env: Record<string, string>): Launched {
  const started = launch(process.execPath, ['--import', 'tsx', 'src/main.ts'], { REDIS_URL: '', ...env });
  launched.push(started);
  return started;
}

async function occupy(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
}

describe('a busy port', () => {
  let dir: string;
  let port: number;
  let squatter: Server;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'signpost-start-stop-'));
    port = await freePort();
    squatter = await occupy(port);
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('stops `npm start` with a message naming the port, exit 1, before any store starts', async () => {
    const broker = npmStart({ PORT: String(port) });
    expect(await broker.exited).toBe(1);
    expect(broker.output()).toContain(`signpost: port ${port} on 127.0.0.1 is already in use`);
    expect(broker.output()).not.toMatch(/Signpost is running|starting embedded object stores|at .*\.ts:\d+/);
  }, 90_000);

  it('stops the production entry with the same message, exit 1', async () => {
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify({
      // The broker dials no store before it listens, so no store is needed here.
      storages: [{ id: 'main', type: 's3', bucket: 'busy-port', endpoint: 'http://127.0.0.1:9', force_path_style: true, access_key_id: 'a', secret_access_key: 'b' }],
      auth: { api_keys: { 'a-key-of-sixteen-chars': { user: 'u', tenant: 't' } } },
    }));
    const broker = mainEntry({ SIGNPOST_CONFIG: config, PORT: String(port) });
    expect(await broker.exited).toBe(1);
    expect(broker.output()).toContain(`signpost: port ${port} on 127.0.0.1 is already in use`);
    expect(broker.output()).not.toMatch(/signpost listening|at .*\.ts:\d+/);
  }, 90_000);

  it('still answers on the port: the squatter was never displaced', async () => {
    expect(await acceptsConnections(port)).toBe(true);
  }, 90_000);
});

/** SIGTERM to npm start: it says so, exits 0, and every process it had started is gone. */
async function stopsOnSigterm(broker: Launched, processes: number[]): Promise<void> {
  process.kill(broker.pid, 'SIGTERM');
  expect(await broker.exited).toBe(0);
  expect(broker.output()).toMatch(/SIGTERM: shutting down/);
  await waitUntil(async () => processes.every((pid) => !isRunning(pid)), {
    what: `every process npm start had started to exit (${processes.filter(isRunning).join(', ')} still running)`,
    timeoutMs: 30_000,
  });
}

describe('SIGTERM to npm start', () => {
  it('stops the broker and both embedded stores; no process of the run is left and every port is free', async () => {
    const port = await freePort();
    const broker = npmStart({ PORT: String(port) });
    await broker.waitForOutput(/dev API key (\S+)/);
    const storePorts = [...broker.output().matchAll(/(?:s3rver|Azurite) http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    expect(storePorts).toHaveLength(2);
    const processes = descendants(broker.pid);
    // npm → node (the broker, exec'd by sh) → s3rver and Azurite, at least.
    expect(processes.length).toBeGreaterThanOrEqual(3);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);

    await stopsOnSigterm(broker, processes);
    for (const taken of [port, ...storePorts]) {
      await waitUntil(async () => !(await acceptsConnections(taken)), { what: `port ${taken} to be free`, timeoutMs: 10_000 });
    }
  }, 120_000);

  it('during start-up (the stores still starting) it waits for them, stops them and exits 0', async () => {
    const port = await freePort();
    const broker = npmStart({ PORT: String(port) });
    await broker.waitForOutput(/starting embedded object stores/);
    // Both stores spawned (npm → node → two store processes), before the banner.
    const processes = await waitUntil(async () => {
      const found = descendants(broker.pid);
      return found.length >= 3 ? found : undefined;
    }, { what: 'the two store processes', timeoutMs: 30_000, intervalMs: 10 });
    expect(broker.output()).not.toMatch(/Signpost is running/);

    await stopsOnSigterm(broker, processes);
    expect(await acceptsConnections(port)).toBe(false);
  }, 120_000);
});
