// The sign path with WORKERS=1 and WORKERS=2 side by side: the production entry (main.ts,
// node:cluster for 2) as a child process on Redis, wrk on the load core sending the PlaceOS
// PATCH ?part=N of sign-path.ts (API key, the part before reported done), interleaved rounds,
// medians. The broker processes are not pinned: two workers may use both cores, which wrk,
// Redis and the primary (it hands connections to the workers) share with them.
//   npx tsx scripts/bench/workers.ts [--rounds 3] [--seconds 3] [--connections 16]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitUntil } from '../servers/ports.js';
import { startRedis } from '../servers/redis.js';
import { median, option, runWrk, table, WrkScripts } from './bench-kit.js';

// A number that is not one (or none given) is the fallback.
const numberOption = (name: string, fallback: string) => Number(option(name, fallback)) || Number(fallback);
const ROUNDS = Math.min(20, numberOption('rounds', '3'));
const SECONDS = Math.min(30, numberOption('seconds', '3'));
const CONNECTIONS = numberOption('connections', '16');
const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const API_KEY = 'bench-key-0000000000000000';
const PLACEOS = '/api/engine/v2/uploads';
const MiB = 1024 * 1024;
const PART_MD5 = randomBytes(16);
const md5Query = encodeURIComponent(PART_MD5.toString('base64'));
const key = { 'X-API-Key': API_KEY, 'Content-Type': 'application/json' };

interface Cluster {
  workers: number;
  url: string;
  child: ChildProcess;
}

async function startCluster(workers: number, env: Record<string, string>): Promise<Cluster> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { env: { ...process.env, ...env, PORT: String(port), WORKERS: String(workers), NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  const seen = new Set<string>();
  await waitUntil(async () => {
    if (child.exitCode !== null) throw new Error(`WORKERS=${workers} exited (${child.exitCode})`);
    // Until every worker has answered (a new connection each time goes to the next worker).
    const res = await fetch(`${url}/healthz`, { headers: { connection: 'close' } }).catch(() => undefined);
    if (res?.ok) seen.add(res.headers.get('x-signpost-worker') ?? 'alone');
    return seen.size === workers ? true : undefined;
  }, { what: `WORKERS=${workers} to answer`, timeoutMs: 180_000, intervalMs: 50 });
  return { workers, url, child };
}

function stopCluster(cluster: Cluster): Promise<void> {
  if (cluster.child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => cluster.child.kill('SIGKILL'), 30_000);
    cluster.child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    cluster.child.kill('SIGTERM');
  });
}

/** CPU seconds (user + system) of a process and its children now, from /proc (clock ticks of 1/100 s). */
function treeCpuSeconds(root: number): number {
  const pids = [root, ...spawnSync('pgrep', ['-P', String(root)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number)];
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited meanwhile
    }
  }
  return ticks / 100;
}

async function json(url: string, init: RequestInit): Promise<Record<string, unknown>> {
  const answer = await fetch(url, init);
  const text = await answer.text();
  if (!answer.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${answer.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** 16 PlaceOS uploads of 10,000 parts, their multipart id reported (as sign-path.ts prepares them). */
async function prepareUploads(url: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < 16; i++) {
    const created = await json(`${url}${PLACEOS}/`, { method: 'POST', headers: key, body: JSON.stringify({ file_name: `bench-${i}.bin`, file_size: 10_000 * 5 * MiB, file_id: randomBytes(16).toString('base64') }) });
    const id = String(created['upload_id']);
    await json(`${url}${PLACEOS}/${id}?part=1&file_id=${md5Query}`, { method: 'PATCH', headers: key, body: JSON.stringify({ resumable_id: `bench-multipart-${id}` }) });
    ids.push(id);
  }
  return ids;
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const dir = await mkdtemp(join(tmpdir(), 'signpost-workers-'));
  const scripts = await WrkScripts.create();
  const clusters: Cluster[] = [];
  try {
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify({
      // Signing a part asks the store nothing: no store needs to run.
      storages: [{ id: 's3', type: 's3', default: true, bucket: 'bench', endpoint: 'http://127.0.0.1:9', region: 'us-east-1', force_path_style: true, access_key_id: 'bench', secret_access_key: 'bench-secret' }],
      auth: { api_keys: { [API_KEY]: { user: 'bench', tenant: 'bench' } } },
      companion: { token_secret: 'bench-token-secret-shared-by-workers-0123' },
    }));
    // LOG_LEVEL info: the broker's default, one line per request (as sign-path.ts measures).
    const env = { SIGNPOST_CONFIG: config, REDIS_URL: redis.url, LOG_LEVEL: 'info' };
    for (const workers of [1, 2]) clusters.push(await startCluster(workers, env));
    const scenarios = await Promise.all(clusters.map(async (cluster) => {
      const ids = await prepareUploads(cluster.url);
      const script = await scripts.write(`workers-${cluster.workers}`, {
        method: 'PATCH',
        headers: key,
        preludeLua: `local ids = { ${ids.map((id) => JSON.stringify(id)).join(', ')} }\nlocal hex = ${JSON.stringify(PART_MD5.toString('hex'))}`,
        pathLua: `"${PLACEOS}/" .. ids[(n % #ids) + 1] .. "?part=" .. ((math.floor(n / #ids) % 9999) + 2) .. "&file_id=${md5Query}"`,
        bodyLua: `string.format('{"part_list":[%d],"part_data":[{"part":%d,"md5":"%s"}]}', (math.floor(n / #ids) % 9999) + 1, (math.floor(n / #ids) % 9999) + 1, hex)`,
      });
      return { cluster, script, samples: [] as Array<{ rps: number; p50Ms: number; p99Ms: number; cpuUs: number }> };
    }));
    for (const s of scenarios) await runWrk(s.cluster.url, s.script, { seconds: 1, connections: CONNECTIONS }); // warm-up
    const loads: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of scenarios) {
        const cpu0 = treeCpuSeconds(s.cluster.child.pid ?? -1);
        const result = await runWrk(s.cluster.url, s.script, { seconds: SECONDS, connections: CONNECTIONS });
        const cpuUs = ((treeCpuSeconds(s.cluster.child.pid ?? -1) - cpu0) * 1e6) / result.requests;
        if (result.errors > 0) throw new Error(`WORKERS=${s.cluster.workers}: ${result.errors} failed requests`);
        s.samples.push({ ...result, cpuUs });
      }
      loads.push(loadavg()[0] ?? Number.NaN);
    }
    console.log(`\nPlaceOS PATCH ?part=N (API key), ${ROUNDS} interleaved rounds of ${SECONDS} s, wrk -t1 -c${CONNECTIONS} on core 1, medians; 1-min load after each round: ${loads.map((l) => l.toFixed(2)).join(', ')}`);
    const base = median(scenarios[0]!.samples.map((x) => x.rps));
    console.log(table(['', 'req/s', 'CPU µs/req (all processes)', 'p50 ms', 'p99 ms', '× WORKERS=1'], scenarios.map((s) => {
      const rps = median(s.samples.map((x) => x.rps));
      return [`WORKERS=${s.cluster.workers}`, rps, median(s.samples.map((x) => x.cpuUs)), median(s.samples.map((x) => x.p50Ms)), median(s.samples.map((x) => x.p99Ms)), rps / base];
    })));
  } finally {
    await Promise.allSettled(clusters.map(stopCluster));
    await scripts.remove();
    await rm(dir, { recursive: true, force: true });
    await redis.stop();
  }
}

await main();
