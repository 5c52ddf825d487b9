// A private memcached on a free loopback port (TCP only). Swift's proxy uses
// it for tempauth tokens and account/container info; without one, S3 calls
// still work but every request logs connection errors and runs ~2x slower.
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { LOOPBACK, acceptsConnections, freePort, waitUntil } from './ports.js';
import { findExecutable, spawnServer, startFailure } from './server-process.js';

export interface MemcachedServer {
  port: number;
  stop(): Promise<void>;
}

export function memcachedInstalled(): boolean {
  return findExecutable('memcached') !== undefined;
}

export interface StartMemcachedOptions {
  /** memcached.log is written here; the caller owns (and removes) the directory. */
  logDir: string;
  /** A free port chosen by the caller; default: one picked here. */
  port?: number;
}

export async function startMemcached(options: StartMemcachedOptions): Promise<MemcachedServer> {
  const binary = findExecutable('memcached');
  if (binary === undefined) {
    throw new Error('memcached is not installed (Debian package memcached; run scripts/ensure-test-deps.sh)');
  }
  const logFile = join(options.logDir, 'memcached.log');
  const port = options.port ?? (await freePort());
  const server = spawnServer({
    name: 'memcached',
    command: binary,
    // -U 0: no UDP listener. -u: memcached refuses to run as root without it.
    args: ['-l', LOOPBACK, '-p', String(port), '-U', '0', '-m', '64', '-u', userInfo().username],
    logFile,
    // memcached notices SIGTERM only on its next once-a-second clock tick,
    // and a private cache has nothing to flush.
    stopSignal: 'SIGKILL',
  });
  try {
    await waitUntil(() => acceptsConnections(port), { what: `memcached on port ${port}`, timeoutMs: 10_000, intervalMs: 20, check: () => server.assertRunning() });
  } catch (error) {
    await server.stop();
    throw startFailure('memcached', logFile, error);
  }
  return { port, stop: () => server.stop() };
}
