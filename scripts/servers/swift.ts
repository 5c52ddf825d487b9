// OpenStack Swift "all in one" (Debian's swift 2.30 packages) as the tests'
// S3: account, container, object and proxy servers with s3api and tempauth,
// plus memcached when installed, all on loopback in a fresh temp dir. Unlike
// s3rver it verifies SigV4 signatures and Content-MD5 and computes real
// multipart ETags. Gaps (checksums, aws-chunked, bucket CORS API) are listed
// in the design notes on testing.
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMemcached, memcachedInstalled, type MemcachedServer } from './memcached.js';
import { LOOPBACK, acceptsConnections, freePorts, waitUntil } from './ports.js';
import { ServerStartError, findExecutable, makeTempDir, removeDir, spawnServer, startFailure, type ServerProcess } from './server-process.js';
import { swiftConfigFiles, type SwiftPorts } from './swift-config.js';

export interface SwiftServer {
  endpoint: string;
  region: 'us-east-1';
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: true;
  stop(): Promise<void>;
}

export interface StartSwiftOptions {
  /** s3api min_segment_size: smallest non-last multipart part; default 5 MiB like S3. */
  minSegmentSize?: number;
  /** Allowed browser origin for CORS and presigned-URL preflights; default '*'. */
  corsOrigin?: string;
  /** Run a private memcached; default: whenever the binary is installed. */
  memcached?: boolean;
}

// Debian's interpreter, whose dist-packages hold python3-swift; `python3` on
// PATH may be a pyenv or venv interpreter without it.
const PYTHON = '/usr/bin/python3';
const HELPER = fileURLToPath(new URL('./swift-server.py', import.meta.url));
const READY_TIMEOUT_MS = 60_000;
const SERVER_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  // Everything is addressed by IP, so eventlet's green DNS resolver (which
  // imports dnspython, ~0.15 s of CPU per server) is not needed.
  EVENTLET_NO_GREENDNS: 'yes',
  // Debian's interpreter must see only its own packages.
  PYTHONPATH: undefined,
  PYTHONHOME: undefined,
};

export async function startSwift(options: StartSwiftOptions = {}): Promise<SwiftServer> {
  if (findExecutable(PYTHON) === undefined || findExecutable('swift-proxy-server') === undefined) {
    throw new Error(`OpenStack Swift is not installed (${PYTHON} with python3-swift, swift-*-server); run scripts/ensure-test-deps.sh`);
  }
  const useMemcached = options.memcached ?? memcachedInstalled();
  const dir = await makeTempDir('swift');
  const etcDir = join(dir, 'etc');
  const devicesDir = join(dir, 'srv');
  const cacheDir = join(dir, 'cache');
  const logDir = join(dir, 'log');
  await Promise.all([etcDir, join(devicesDir, 'd1'), cacheDir, logDir].map((path) => mkdir(path, { recursive: true })));

  // All ports are picked together so they differ. This matters more than
  // usual: Swift listens with SO_REUSEPORT, so a port that is already taken by
  // another Swift would be silently shared instead of failing to bind.
  const [proxy, account, container, object, cachePort] = await freePorts(5);
  if (proxy === undefined || account === undefined || container === undefined || object === undefined || cachePort === undefined) {
    throw new Error('could not pick free ports');
  }
  const ports: SwiftPorts = { proxy, account, container, object };
  const endpoint = `http://${LOOPBACK}:${proxy}`;
  const credentials = { accessKeyId: 'test:tester', secretAccessKey: 'testing' };

  let memcached: MemcachedServer | undefined;
  const servers: ServerProcess[] = [];
  const stopAll = async (): Promise<void> => {
    const results = await Promise.allSettled([...servers.map((server) => server.stop()), memcached?.stop()]);
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  };

  let failureLog = join(logDir, 'proxy.log');
  try {
    const files = swiftConfigFiles({
      etcDir,
      devicesDir,
      cacheDir,
      ports,
      // The cache filter must be present even without memcached; then it points
      // at a free port nobody serves, not 11211, where a system memcached may run.
      memcachePort: cachePort,
      user: userInfo().username,
      // One process per server instead of a parent plus a forked worker: about
      // half the memory (≈260 MiB for all four) and a quicker start.
      workers: 0,
      minSegmentSize: options.minSegmentSize ?? 5 * 1024 * 1024,
      maxUploadParts: 10_000,
      corsOrigin: options.corsOrigin ?? '*',
    });
    await Promise.all(Object.entries(files).map(([name, text]) => writeFile(join(etcDir, name), text)));

    // Booting the Python servers is the slow, CPU-bound part, so all start at
    // once. Only the proxy reads the rings at start-up; it builds them itself
    // first (swift-server.py), which saves a separate interpreter.
    for (const kind of ['account', 'container', 'object', 'proxy'] as const) {
      const ringPorts = kind === 'proxy' ? [ports.object, ports.container, ports.account].map(String) : [];
      servers.push(spawnServer({
        name: `swift-${kind}-server`,
        command: PYTHON,
        args: [HELPER, 'serve', etcDir, `${kind}-server`, join(etcDir, `${kind}-server.conf`), ...ringPorts],
        logFile: join(logDir, `${kind}.log`),
        cwd: dir,
        env: SERVER_ENV,
      }));
    }
    const checkAlive = (): void => {
      for (const server of servers) {
        try {
          server.assertRunning();
        } catch (error) {
          failureLog = server.logFile;
          throw error;
        }
      }
    };
    if (useMemcached) memcached = await startMemcached({ logDir, port: cachePort });

    // require(), not import(): under vitest's globalSetup an import() of the
    // SDK goes through Vite's module runner and costs ~3 s of CPU, against
    // ~40 ms for Node's own loader, while the Swift servers need that CPU.
    const { S3Client, ListBucketsCommand } = createRequire(import.meta.url)('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
    const client = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials,
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 1000, requestTimeout: 5000 },
    });
    try {
      // Backends first (the proxy answering says nothing about them), then a
      // SigV4 ListBuckets: proxy → s3api → tempauth → account server.
      for (const kind of ['account', 'container', 'object'] as const) {
        await waitUntil(() => acceptsConnections(ports[kind]), { what: `swift-${kind}-server on port ${ports[kind]}`, timeoutMs: READY_TIMEOUT_MS, check: checkAlive });
      }
      await waitUntil(
        async () => (await client.send(new ListBucketsCommand({})), true),
        { what: `an S3 ListBuckets answer from ${endpoint}`, timeoutMs: READY_TIMEOUT_MS, check: checkAlive },
      );
    } finally {
      client.destroy();
    }
  } catch (error) {
    await stopAll().catch(() => undefined);
    if (error instanceof ServerStartError) throw error; // memcached's, already naming its log
    throw startFailure('swift', failureLog, error);
  }

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    region: 'us-east-1',
    ...credentials,
    forcePathStyle: true,
    stop() {
      stopping ??= stopAll().finally(() => removeDir(dir));
      return stopping;
    },
  };
}
