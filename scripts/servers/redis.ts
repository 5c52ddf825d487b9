// A throwaway Redis (Debian's redis-server) on a free loopback port, with no
// persistence: nothing is written to disk, nothing survives stop().
import { connect } from 'node:net';
import { join } from 'node:path';
import { LOOPBACK, freePort, waitUntil } from './ports.js';
import { findExecutable, makeTempDir, removeDir, spawnServer, startFailure } from './server-process.js';

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  // Standalone; a Redis Cluster has its own launcher (redis-cluster.ts).
  cluster?: false;
}

export async function startRedis(_options: StartRedisOptions = {}): Promise<RedisServer> {
  const binary = findExecutable('redis-server');
  if (binary === undefined) {
    throw new Error('redis-server is not installed (Debian package redis-server; run scripts/ensure-test-deps.sh)');
  }
  const dir = await makeTempDir('redis');
  const logFile = join(dir, 'redis.log');
  const port = await freePort();
  const server = spawnServer({
    name: 'redis-server',
    command: binary,
    // --dir keeps any file Redis might still write (e.g. on SHUTDOWN SAVE) in our temp dir.
    args: ['--port', String(port), '--bind', LOOPBACK, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir],
    logFile,
    cwd: dir,
  });
  try {
    await waitUntil(() => redisPing(port), { what: `redis PING on port ${port}`, timeoutMs: 15_000, intervalMs: 25, check: () => server.assertRunning() });
  } catch (error) {
    await server.stop();
    throw startFailure('redis-server', logFile, error);
  }
  let stopping: Promise<void> | undefined;
  return {
    url: `redis://${LOOPBACK}:${port}`,
    port,
    stop() {
      stopping ??= server.stop().finally(() => removeDir(dir));
      return stopping;
    },
  };
}

/** One raw PING over RESP; true once Redis answers +PONG (a Redis still loading its AOF answers -LOADING). */
export function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: LOOPBACK, port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}
