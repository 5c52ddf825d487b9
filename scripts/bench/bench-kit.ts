// What the benchmarks share: contenders as child processes pinned to one core, wrk runs
// on the other core reporting through a Lua `done` hook, interleaved rounds and medians.
// Every loop here is bounded in count and every wait in time.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContenderMessage, ContenderStart } from './contender.js';

const CONTENDER = fileURLToPath(new URL('./contender.ts', import.meta.url));
/** The server core and the load generator's core (the machine has two). */
export const SERVER_CORE = 0;
export const LOAD_CORE = 1;
const haveTaskset = spawnSync('taskset', ['--version']).status === 0;

export interface Contender {
  url: string;
  pid: number;
  /** CPU time (µs, user + system) the child has used so far. */
  cpu(): Promise<number>;
  /** Starts a V8 CPU profile in the child; stopProfile writes it to path. */
  startProfile(): Promise<void>;
  stopProfile(path: string): Promise<void>;
  stop(): Promise<void>;
}

export interface ContenderOptions {
  timeoutMs?: number;
  /** Another checkout of the project whose scripts/bench/contender.ts to run (a baseline). */
  root?: string;
}

/** Starts a contender child pinned to SERVER_CORE and waits until it listens. */
export async function startContender(settings: ContenderStart, options: ContenderOptions = {}): Promise<Contender> {
  const script = options.root === undefined ? CONTENDER : join(options.root, 'scripts/bench/contender.ts');
  const nodeArgs = ['--import', 'tsx', script];
  const [command, args] = haveTaskset ? ['taskset', ['-c', String(SERVER_CORE), process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const child = spawn(command, args as string[], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, NODE_NO_WARNINGS: '1' }, ...(options.root === undefined ? {} : { cwd: options.root }) });
  const pending: Array<(message: ContenderMessage) => void> = [];
  child.on('message', (message: ContenderMessage) => pending.shift()?.(message));
  const next = (what: string, timeoutMs = options.timeoutMs ?? 60_000) =>
    new Promise<ContenderMessage>((resolve, reject) => {
      const exited = (code: number | null) => reject(new Error(`contender ${settings.kind} exited (${code}) waiting for ${what}`));
      const timer = setTimeout(() => {
        child.off('exit', exited);
        reject(new Error(`contender ${settings.kind}: no answer to ${what} in ${timeoutMs} ms`));
      }, timeoutMs);
      child.once('exit', exited);
      pending.push((message) => {
        clearTimeout(timer);
        child.off('exit', exited);
        resolve(message);
      });
    });
  const ready = next('start');
  child.send({ type: 'start', settings });
  const answer = await ready;
  if (answer.type !== 'ready') {
    child.kill('SIGKILL');
    throw new Error(`contender ${settings.kind} failed to start: ${answer.type === 'failed' ? answer.message : answer.type}`);
  }
  return {
    url: answer.url,
    pid: child.pid ?? -1,
    async cpu() {
      const reply = next('cpu', 10_000);
      child.send({ type: 'cpu' });
      const message = await reply;
      if (message.type !== 'cpu') throw new Error(`contender ${settings.kind}: unexpected ${message.type}`);
      return message.user + message.system;
    },
    async startProfile() {
      const reply = next('profile-start', 10_000);
      child.send({ type: 'profile-start' });
      if ((await reply).type !== 'profiled') throw new Error(`contender ${settings.kind}: profiling failed`);
    },
    async stopProfile(path) {
      const reply = next('profile-stop', 60_000);
      child.send({ type: 'profile-stop', path });
      if ((await reply).type !== 'profiled') throw new Error(`contender ${settings.kind}: writing the profile failed`);
    },
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    // Closing the channel lets the child exit by itself (and write its profile).
    if (child.connected) child.disconnect();
    else child.kill('SIGTERM');
  });
}

/** Pins every thread of a running process to one core (best effort). */
export function pin(pid: number, core: number): void {
  if (haveTaskset) spawnSync('taskset', ['-a', '-cp', String(core), String(pid)], { stdio: 'ignore' });
}

export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx/3xx answers plus socket errors and timeouts; a round with any is not a valid measurement. */
  errors: number;
}

export interface WrkRequest {
  method: string;
  /** Lua expression returning the path of request number n (n counts from 1, per thread). */
  pathLua: string;
  /** Lua expression returning the body of request n (may use the same locals). */
  bodyLua: string;
  headers: Record<string, string>;
  /** Lua statements run once, before the request function (locals for the expressions). */
  preludeLua?: string;
}

const lua = (value: string) => JSON.stringify(value); // ASCII only: JSON escapes are Lua escapes

/** A wrk script for one request shape, printing a WRKJSON line in its done hook. */
export function wrkScript(request: WrkRequest): string {
  const headers = Object.entries(request.headers).map(([k, v]) => `[${lua(k)}] = ${lua(v)}`).join(', ');
  return `
${request.preludeLua ?? ''}
local headers = { ${headers} }
local n = 0
request = function()
  n = n + 1
  return wrk.format(${lua(request.method)}, ${request.pathLua}, headers, ${request.bodyLua})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, e.status + e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))
end
`;
}

export class WrkScripts {
  private constructor(private readonly dir: string) {}
  static async create(): Promise<WrkScripts> {
    return new WrkScripts(await mkdtemp(join(tmpdir(), 'signpost-wrk-')));
  }
  async write(name: string, request: WrkRequest): Promise<string> {
    const path = join(this.dir, `${name}.lua`);
    await writeFile(path, wrkScript(request));
    return path;
  }
  remove(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }
}

/** One wrk run (one thread on LOAD_CORE), bounded by its duration plus a margin. */
export function runWrk(url: string, script: string, { seconds, connections }: { seconds: number; connections: number }): Promise<WrkResult> {
  const wrkArgs = ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', script, url];
  const [command, args] = haveTaskset ? ['taskset', ['-c', String(LOAD_CORE), 'wrk', ...wrkArgs]] : ['wrk', wrkArgs];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args as string[], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`wrk: ${error.message} (apt-get install -y wrk)`));
    });
    child.on('exit', () => {
      clearTimeout(timer);
      const line = /WRKJSON (\{.*\})/.exec(out)?.[1];
      if (!line) return reject(new Error(`wrk gave no result:\n${out}`));
      const r = JSON.parse(line) as { requests: number; duration_us: number; errors: number; p50_us: number; p99_us: number };
      const secondsRun = r.duration_us / 1e6;
      resolve({ requests: r.requests, seconds: secondsRun, rps: r.requests / secondsRun, p50Ms: r.p50_us / 1000, p99Ms: r.p99_us / 1000, errors: r.errors });
    });
  });
}

/** `--name value` from the command line, else `fallback`. */
export function option(name: string, fallback: string): string {
  const args = process.argv.slice(2);
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] !== undefined ? (args[index + 1] as string) : fallback;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A fixed-width text table. */
export function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((row) => row.map((cell) => (typeof cell === 'number' ? format(cell) : cell)))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return cells.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ')).join('\n');
}

function format(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Runs fn, failing if it takes longer than ms. */
export async function within<T>(ms: number, what: string, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([fn(), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: over ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
