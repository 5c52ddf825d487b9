// What the fault tests break and mend: a redis-server of their own (with or without AOF) that
// they SIGKILL and start again on the same port and data directory, a TCP pass-through in
// front of a store that they cut, restore or slow down (the shared Swift is never stopped),
// and broker processes started from source (as start-stop.test.ts does) that they signal.
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Express } from 'express';
import { LOOPBACK, acceptsConnections, freePort, waitUntil } from '../../scripts/servers/ports.js';
import { redisPing } from '../../scripts/servers/redis.js';
import { findExecutable, makeTempDir, removeDir, spawnServer, type ServerProcess } from '../../scripts/servers/server-process.js';
import { expect } from 'vitest';
import { launch, type Launched } from './processes.js';
import { sendSigned, type Client } from './protocol-driver.js';

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * supertest takes a base URL as readily as an app: the drivers, typed for an app, then speak
 * to a broker in another process over its socket.
 */
export const remote = (url: string) => url as unknown as Express;

export interface OwnRedis {
  url: string;
  port: number;
  dir: string;
  /** SIGKILL: no shutdown save, no goodbye to clients — a crash or an OOM kill. */
  kill(): Promise<void>;
  /** A new redis-server on the same port and data directory (it loads the AOF when there is one). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface OwnRedisOptions {
  /** 'always' | 'everysec' for AOF, 'no' for none (the test servers' default). */
  appendfsync: 'always' | 'everysec' | 'no';
}

export async function startOwnRedis(options: OwnRedisOptions): Promise<OwnRedis> {
  const binary = findExecutable('redis-server');
  if (binary === undefined) throw new Error('redis-server is not installed (Debian package redis-server)');
  const dir = await makeTempDir('fault-redis');
  const port = await freePort();
  const persistence = options.appendfsync === 'no'
    ? ['--appendonly', 'no']
    : ['--appendonly', 'yes', '--appendfsync', options.appendfsync];
  let server: ServerProcess | undefined;
  const start = async (): Promise<void> => {
    const started = spawnServer({
      name: 'redis-server (faults)',
      command: binary,
      args: ['--port', String(port), '--bind', LOOPBACK, '--save', '', ...persistence, '--daemonize', 'no', '--dir', dir],
      logFile: join(dir, 'redis.log'),
      cwd: dir,
    });
    server = started;
    await waitUntil(() => redisPing(port), { what: `redis PING on port ${port}`, timeoutMs: 30_000, intervalMs: 25, check: () => started.assertRunning() });
  };
  await start();
  return {
    url: `redis://${LOOPBACK}:${port}`,
    port,
    dir,
    async kill() {
      const victim = server;
      if (!victim) return;
      process.kill(victim.pid, 'SIGKILL');
      await victim.stop(); // resolves once the group is gone
      server = undefined;
    },
    restart: start,
    async stop() {
      await server?.stop();
      server = undefined;
      await removeDir(dir);
    },
  };
}

export interface StoreProxy {
  port: number;
  /** http://127.0.0.1:<port>: give it to the broker as the store's endpoint. */
  endpoint: string;
  /** The store "stops": open connections are reset and new ones refused. */
  cut(): Promise<void>;
  /** The store is back, on the same port. */
  restore(): Promise<void>;
  /** Every chunk towards the store waits this long before it is passed on (0: none). */
  delay(ms: number): void;
  /** Chunks towards the store held back by the delay right now: a request is in flight there. */
  held(): number;
  close(): Promise<void>;
}

/** A TCP pass-through to 127.0.0.1:targetPort. Bytes pass unchanged, so signed Host headers still match. */
export async function startStoreProxy(targetPort: number): Promise<StoreProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let delayMs = 0;
  let holding = 0;
  let server: Server | undefined;
  const accept = (client: Socket): void => {
    const upstream = connect({ host: LOOPBACK, port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    // Chunks keep their order: each waits for the one before it.
    let queue = Promise.resolve();
    client.on('data', (chunk) => {
      const wait = delayMs;
      if (wait === 0) {
        queue = queue.then(() => void upstream.write(chunk));
        return;
      }
      holding += 1;
      queue = queue.then(() => new Promise<void>((resolve) => setTimeout(() => {
        holding -= 1;
        if (!upstream.destroyed) upstream.write(chunk);
        resolve();
      }, wait)));
    });
    upstream.on('data', (chunk) => client.write(chunk));
  };
  const listen = async (): Promise<void> => {
    const listening = createServer(accept);
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(port, LOOPBACK, resolve);
    });
    server = listening;
  };
  const cut = async (): Promise<void> => {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  };
  await listen();
  return {
    port,
    endpoint: `http://${LOOPBACK}:${port}`,
    cut,
    restore: listen,
    delay: (ms) => {
      delayMs = ms;
    },
    held: () => holding,
    close: cut,
  };
}

export interface BrokerProcess {
  url: string;
  port: number;
  launched: Launched;
}

/**
 * The production entry (src/main.ts under tsx, as start-stop.test.ts runs it) with this config
 * and Redis, on a free port; resolves once /healthz answers. `port` reuses a port (a second
 * broker where the first one was).
 */
export async function startBrokerProcess(dir: string, config: object, redisUrl: string, port?: number): Promise<BrokerProcess> {
  const path = join(dir, `config-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(path, JSON.stringify(config));
  const chosen = port ?? (await freePort());
  const launched = launch(process.execPath, ['--import', 'tsx', 'src/main.ts'], { SIGNPOST_CONFIG: path, PORT: String(chosen), HOST: LOOPBACK, REDIS_URL: redisUrl });
  const url = `http://${LOOPBACK}:${chosen}`;
  let exited = false;
  void launched.exited.then(() => (exited = true));
  await waitUntil(async () => (await fetch(`${url}/healthz`)).status === 200, {
    what: `the broker process to answer /healthz on ${url}`,
    timeoutMs: 60_000,
    intervalMs: 100,
    check: () => {
      if (exited) throw new Error(`the broker process exited before it answered; output:\n${launched.output()}`);
    },
  });
  return { url, port: chosen, launched };
}

/** Resolves once nothing accepts connections on the port any more. */
export function refusesConnections(port: number): Promise<true> {
  return waitUntil(async () => !(await acceptsConnections(port)) || undefined, { what: `port ${port} to refuse connections`, timeoutMs: 30_000, intervalMs: 20 });
}

/** Resume on `alice`'s broker: only the parts it lacks are sent, then finish, commit, finalize; the bytes read back. */
export async function resumeAndFinish(alice: Client, bytes: Buffer, fileName: string, id: string, parts: Buffer[], expectedDone: number[]): Promise<void> {
  const resumed = await alice.create(bytes, { file_name: fileName });
  expect(resumed.type).toBe('parts');
  expect(resumed.upload_id).toBe(id);
  expect(resumed.part_list).toEqual(expectedDone);
  const missing = parts.map((_, i) => i + 1).filter((n) => !expectedDone.includes(n));
  await alice.uploadParts(id, parts, missing);
  const finish = await alice.finish(id, { part_list: parts.map((_, i) => i + 1) });
  const commit = await sendSigned(finish.signature, finish.body);
  expect(commit.status, await commit.text()).toBe(200);
  const done = await alice.put(`/${id}`);
  expect(done.status, JSON.stringify(done.body)).toBe(200);
  expect(done.body.upload.state).toBe('complete');
  expect(sha256(await alice.download(id))).toBe(sha256(bytes));
}

export { makeTempDir, removeDir };
