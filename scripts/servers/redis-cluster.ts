// A throwaway Redis Cluster (Debian's redis-server and redis-cli): N masters, no replicas,
// on free loopback ports, with no persistence. For the tests that prove the repository's
// per-upload Lua scripts stay within one slot (TESTING.md "Redis").
import { execFile } from 'node:child_process';
import { appendFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { LOOPBACK, freePorts, waitUntil } from './ports.js';
import { findExecutable, makeTempDir, removeDir, spawnServer, startFailure, type ServerProcess } from './server-process.js';

export interface RedisCluster {
  /** One redis:// URL per master; any of them is a valid seed. */
  urls: string[];
  stop(): Promise<void>;
}

export interface StartRedisClusterOptions {
  /** Redis Cluster needs at least 3 masters to cover the slots with a majority. */
  masters?: number;
}

export async function startRedisCluster(options: StartRedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  if (!Number.isInteger(masters) || masters < 3) throw new Error(`a Redis Cluster needs at least 3 masters, got ${masters}`);
  const [server, cli] = [findExecutable('redis-server'), findExecutable('redis-cli')];
  if (server === undefined || cli === undefined) {
    throw new Error('redis-server and redis-cli are not installed (Debian packages redis-server, redis-tools; run scripts/ensure-test-deps.sh)');
  }
  const dir = await makeTempDir('redis-cluster');
  // The bus port is chosen too: its default, port + 10000, overflows 65535 for a fifth of
  // the kernel's ephemeral range (32768–60999), and nothing would check it is free.
  const allPorts = await freePorts(2 * masters);
  const ports = allPorts.slice(0, masters);
  const nodes: Array<{ port: number; logFile: string; process: ServerProcess }> = [];
  const stopNodes = () => Promise.all(nodes.map((node) => node.process.stop())).then(() => undefined);
  const assertAllRunning = () => nodes.forEach((node) => node.process.assertRunning());

  // Whichever step fails, the log named is the one that says why.
  let failingLog = join(dir, 'cluster-create.log');
  try {
    ports.forEach((port, index) => {
      const logFile = join(dir, `redis-${port}.log`);
      const args = [
        '--port', String(port), '--bind', LOOPBACK, '--daemonize', 'no',
        '--cluster-enabled', 'yes', '--cluster-port', String(allPorts[masters + index]),
        '--cluster-config-file', join(dir, `nodes-${port}.conf`),
        // --dir keeps any file Redis might still write (e.g. on SHUTDOWN SAVE) in our temp dir.
        '--save', '', '--appendonly', 'no', '--dir', dir,
      ];
      nodes.push({ port, logFile, process: spawnServer({ name: `redis-server :${port}`, command: server, args, logFile, cwd: dir }) });
    });
    for (const node of nodes) {
      failingLog = node.logFile;
      await waitUntil(async () => (await command(node.port, 'PING')).startsWith('+PONG'), {
        what: `redis PING on port ${node.port}`, timeoutMs: 15_000, intervalMs: 25, check: () => node.process.assertRunning(),
      });
    }
    failingLog = join(dir, 'cluster-create.log');
    await run(cli, ['--cluster', 'create', ...ports.map((port) => `${LOOPBACK}:${port}`), '--cluster-replicas', '0', '--cluster-yes'], failingLog);
    // redis-cli returns once the configuration is consistent; a node serves its slots only
    // once it has also seen the others agree (cluster_state:ok), which can come later.
    for (const node of nodes) {
      failingLog = node.logFile;
      await waitUntil(async () => (await command(node.port, 'CLUSTER INFO')).includes('cluster_state:ok'), {
        what: `cluster_state:ok on port ${node.port}`, timeoutMs: 15_000, intervalMs: 25, check: assertAllRunning,
      });
    }
  } catch (error) {
    await stopNodes();
    throw startFailure('redis cluster', failingLog, error);
  }
  let stopping: Promise<void> | undefined;
  return {
    urls: ports.map((port) => `redis://${LOOPBACK}:${port}`),
    stop() {
      stopping ??= stopNodes().finally(() => removeDir(dir));
      return stopping;
    },
  };
}

/** Runs a command to completion, its output appended to logFile; rejects on failure or after 30 s. */
function run(file: string, args: string[], logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 30_000 }, async (error, stdout, stderr) => {
      await appendFile(logFile, `$ ${[file, ...args].join(' ')}\n${stdout}${stderr}`).catch(() => {});
      if (error) reject(new Error(`${file} ${args.slice(0, 2).join(' ')} failed: ${error.message.split('\n')[0]}`));
      else resolve();
    });
  });
}

/**
 * One inline command over RESP; resolves with the raw reply once it is complete (a simple
 * string, an error, or one bulk string), '' if the node does not answer within a second.
 */
function command(port: number, line: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: LOOPBACK, port });
    let reply = '';
    const done = (answer: string): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1000, () => done(''));
    socket.once('error', () => done(''));
    socket.once('connect', () => socket.write(`${line}\r\n`));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      const bulk = /^\$(\d+)\r\n/.exec(reply);
      if (bulk ? reply.length >= bulk[0].length + Number(bulk[1]) + 2 : reply.includes('\r\n')) done(reply);
    });
  });
}
