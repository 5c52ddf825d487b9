// WORKERS=N as an operator runs it: the production entry forks N broker processes that
// share one port (node:cluster); connections are spread over them; SIGTERM to the primary
// stops every one of them (exit 0); a busy port stops the cluster with exit 1; settings
// the workers could not share (no Redis, no Uppy token secret) are refused before forking.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, waitUntil } from '../../scripts/servers/ports.js';
import { descendants, isRunning, launch, type Launched } from '../support/processes.js';

const launched: Launched[] = [];
afterEach(() => {
  for (const process of launched.splice(0)) process.killGroup();
});

let dir: string;
let config: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signpost-workers-'));
  config = join(dir, 'config.json');
  await writeFile(config, JSON.stringify({
    // The broker dials no store before it listens, and /healthz asks none.
    storages: [{ id: 'main', type: 's3', bucket: 'workers', endpoint: 'http://127.0.0.1:9', force_path_style: true, access_key_id: 'a', secret_access_key: 'b' }],
    auth: { api_keys: { 'a-key-of-sixteen-chars': { user: 'u', tenant: 't' } } },
    companion: { token_secret: 'a-secret-shared-by-every-worker-0123456789' },
  }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function mainEntry(env: Record<string, string>): Launched {
  const started = launch(process.execPath, ['--import', 'tsx', 'src/main.ts'], { SIGNPOST_CONFIG: config, REDIS_URL: inject('redis').url, ...env });
  launched.push(started);
  return started;
}

/** The primary's worker processes (not helpers a loader may start): those running main.ts. */
function workerPids(primary: number): number[] {
  return descendants(primary).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('src/main.ts');
    } catch {
      return false;
    }
  });
}

/** GET /healthz on a connection of its own (no keep-alive): the primary hands each new connection to the next worker. */
function healthOnNewConnection(port: number): Promise<{ status: number; worker: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, worker: res.headers['x-signpost-worker'] as string | undefined }));
    });
    req.on('error', reject);
  });
}

// Three processes each load the broker from source: on a busy machine that takes a while.
/** Waits until two distinct workers have answered on new connections. */
async function twoWorkersAnswer(port: number): Promise<void> {
  const seen = new Set<string>();
  await waitUntil(async () => {
    const answer = await healthOnNewConnection(port).catch(() => undefined);
    if (answer?.status === 200 && answer.worker !== undefined) seen.add(answer.worker);
    return seen.size === 2 ? true : undefined;
  }, { what: `answers from two workers (seen: ${[...seen].join(', ') || 'none'})`, timeoutMs: 120_000, intervalMs: 20 });
}

// Three processes each load the broker from source: on a busy machine that takes a while.
describe('WORKERS=2', { timeout: 300_000 }, () => {
  it('two worker processes answer on one port, and SIGTERM stops them all with exit 0', async () => {
    const port = await freePort();
    const broker = mainEntry({ PORT: String(port), WORKERS: '2' });
    await twoWorkersAnswer(port);
    const processes = workerPids(broker.pid);
    expect(processes.length).toBe(2); // the primary (this pid) forked two workers

    process.kill(broker.pid, 'SIGTERM');

    expect(await broker.exited).toBe(0);
    await waitUntil(async () => processes.every((pid) => !isRunning(pid)), { what: `the workers to exit (${processes.filter(isRunning).join(', ')} still running)`, timeoutMs: 30_000 });
  });

  it('a worker killed while serving is replaced, and two workers answer again', async () => {
    const port = await freePort();
    const broker = mainEntry({ PORT: String(port), WORKERS: '2' });
    await twoWorkersAnswer(port);
    const workers = workerPids(broker.pid);
    expect(workers).toHaveLength(2);
    process.kill(workers[0]!, 'SIGKILL');
    await broker.waitForOutput(new RegExp(`worker ${workers[0]} exited \\(SIGKILL\\); starting another`), 60_000);
    await twoWorkersAnswer(port);
    const now = workerPids(broker.pid);
    expect(now).toHaveLength(2);
    expect(now).not.toContain(workers[0]);
    process.kill(broker.pid, 'SIGTERM');
    expect(await broker.exited).toBe(0);
  });

  it('a busy port stops the cluster with the port named, exit 1', async () => {
    const port = await freePort();
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const broker = mainEntry({ PORT: String(port), WORKERS: '2' });
      expect(await broker.exited).toBe(1);
      expect(broker.output()).toContain(`signpost: port ${port} on 127.0.0.1 is already in use`);
      expect(broker.output()).not.toMatch(/starting another/);
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });

  it('without REDIS_URL it refuses to start (records in memory cannot be shared), exit 1', async () => {
    const broker = mainEntry({ PORT: String(await freePort()), WORKERS: '2', REDIS_URL: '' });
    expect(await broker.exited).toBe(1);
    expect(broker.output()).toContain('signpost: WORKERS=2 needs REDIS_URL');
  });

  it('refuses a WORKERS that is not a count, exit 1', async () => {
    const broker = mainEntry({ PORT: String(await freePort()), WORKERS: 'two' });
    expect(await broker.exited).toBe(1);
    expect(broker.output()).toContain('signpost: WORKERS must be an integer from 1 to 64, got "two"');
  });
});
