// A broker whose Redis is unreachable, comes up, goes away and comes back logs one line per
// change of state (connecting, unreachable, ready, lost, reconnected), not an error with a
// stack for each of the reconnects ioredis makes meanwhile (up to one a second).
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildRepository } from '../../src/compose.js';
import { systemClock } from '../../src/domain/clock.js';
import type { Config } from '../../src/config.js';
import type { UploadRepository } from '../../src/domain/ports.js';
import { acceptsConnections, freePorts, LOOPBACK, waitUntil } from '../../scripts/servers/ports.js';
import { findExecutable, makeTempDir, removeDir, spawnServer, type ServerProcess } from '../../scripts/servers/server-process.js';

interface Line {
  level: number;
  msg: string;
  reason?: string;
  err?: unknown;
  seeds?: string[];
}

const INFO = 30;

function capturingLogger() {
  const lines: Line[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) });
  return {
    logger,
    lines,
    /** What an operator sees at the default level: info and above. */
    visible: () => lines.filter((line) => line.level >= INFO).map((line) => line.msg),
    /** Failed reconnects so far (each is a debug line). */
    failedAttempts: () => lines.filter((line) => line.msg === 'redis still unreachable').length,
  };
}

function redisConfig(redisUrl: string): Config {
  return { redisUrl } as Config; // buildRepository reads only redisUrl
}

/** redis-server on a port chosen by the test, so it can come back on the same one. */
async function redisOn(port: number): Promise<{ stop(): Promise<void> }> {
  const binary = findExecutable('redis-server');
  if (binary === undefined) throw new Error('redis-server is not installed (scripts/ensure-test-deps.sh)');
  const dir = await makeTempDir('redis-state');
  const server: ServerProcess = spawnServer({
    name: 'redis-server',
    command: binary,
    args: ['--port', String(port), '--bind', LOOPBACK, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir],
    logFile: join(dir, 'redis.log'),
    cwd: dir,
  });
  await waitUntil(() => acceptsConnections(port), { what: `redis-server on ${port}`, timeoutMs: 15_000, check: () => server.assertRunning() });
  return { stop: () => server.stop().finally(() => removeDir(dir)) };
}

const repos: UploadRepository[] = [];
const servers: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.allSettled(repos.splice(0).map((repo) => repo.close()));
  await Promise.allSettled(servers.splice(0).map((server) => server.stop()));
});

describe('Redis connection states in the log', () => {
  it('standalone: unreachable at start, ready, lost, reconnected — one line each, no stack', async () => {
    const [port] = await freePorts(1);
    const log = capturingLogger();
    const repo = buildRepository(redisConfig(`redis://${LOOPBACK}:${port}`), systemClock, log.logger);
    repos.push(repo);

    await waitUntil(async () => log.failedAttempts() >= 3, { what: '3 failed reconnects', timeoutMs: 20_000 });
    expect(log.visible()).toEqual(['redis connecting', 'redis unreachable; retrying in the background (requests answer 503 until it answers)']);
    expect(log.lines.find((line) => line.msg.startsWith('redis unreachable'))).toMatchObject({ reason: 'ECONNREFUSED', seeds: [`${LOOPBACK}:${port}`] });

    let redis = await redisOn(port ?? 0);
    servers.push(redis);
    await waitUntil(async () => log.visible().includes('redis ready'), { what: 'redis ready in the log', timeoutMs: 20_000 });

    await redis.stop();
    await waitUntil(async () => log.failedAttempts() >= 6, { what: '3 more failed reconnects', timeoutMs: 20_000 });
    redis = await redisOn(port ?? 0);
    servers.push(redis);
    await waitUntil(async () => log.visible().includes('redis reconnected'), { what: 'redis reconnected in the log', timeoutMs: 20_000 });

    expect(log.visible()).toEqual([
      'redis connecting',
      'redis unreachable; retrying in the background (requests answer 503 until it answers)',
      'redis ready',
      'redis connection lost; reconnecting in the background (requests answer 503 until it is back)',
      'redis reconnected',
    ]);
    expect(log.lines.filter((line) => line.err !== undefined)).toEqual([]);
    // The state store works again, and closing it is not "lost".
    await repo.get('no-such-upload');
    await repo.close();
    expect(log.visible()).toHaveLength(5);
  }, 120_000);

  it('Redis Cluster seeds that never answer: one line, however many attempts', async () => {
    const ports = await freePorts(2);
    const log = capturingLogger();
    const repo = buildRepository(redisConfig(ports.map((port) => `redis://${LOOPBACK}:${port}`).join(',')), systemClock, log.logger);
    repos.push(repo);
    await waitUntil(async () => log.failedAttempts() >= 4, { what: '4 failed attempts', timeoutMs: 20_000 });
    expect(log.visible()).toEqual(['redis connecting', 'redis unreachable; retrying in the background (requests answer 503 until it answers)']);
    expect(log.lines.filter((line) => line.err !== undefined)).toEqual([]);
    for (const port of ports) expect(await acceptsConnections(port)).toBe(false);
  }, 60_000);
});
