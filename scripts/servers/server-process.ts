// Child processes for test servers: each in its own process group, output to a
// log file, stopped by process group (TERM, then KILL), never left behind.
import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, sep } from 'node:path';
import { waitUntil } from './ports.js';

export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Throws if the process has already exited; used while waiting for readiness. */
  assertRunning(): void;
  /** Signals the whole process group and resolves once every member is gone. */
  stop(): Promise<void>;
}

export interface SpawnServerOptions {
  /** Short name used in messages. */
  name: string;
  command: string;
  args: readonly string[];
  /** stdout and stderr are appended here. */
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** The polite signal; default SIGTERM. */
  stopSignal?: NodeJS.Signals;
  /** How long the polite signal gets before SIGKILL. */
  graceMs?: number;
}

/** Absolute path of an executable found on PATH, or undefined. */
export function findExecutable(command: string, path = process.env['PATH'] ?? ''): string | undefined {
  const candidates = command.includes('/') ? [command] : path.split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next PATH entry
    }
  }
  return undefined;
}

// util-linux's setpriv sets PR_SET_PDEATHSIG and then execs the server, so the
// kernel sends the server SIGTERM if the Node process that started it dies
// without stopping it (crash, SIGKILL). Without it, a server in its own
// process group would outlive us. The setting survives execve.
const setpriv = findExecutable('setpriv');

// Last-resort cleanup when Node exits without calling stop(): vitest answers
// Ctrl-C (SIGINT) and SIGTERM with process.exit(), skipping globalSetup's
// teardown. 'exit' listeners must be synchronous, so: SIGKILL each group
// still running, delete each temp dir still present.
const liveGroups = new Set<number>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;
function ensureExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
    for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  });
}

/**
 * Starts a server process as the leader of a new process group (`detached`
 * makes libuv call setsid), so that stop() reaches its children too and
 * nothing else. It also matters for Swift: a Swift server running workers
 * answers SIGTERM with killpg(0), which in our group would hit us and our shell.
 */
export function spawnServer(options: SpawnServerOptions): ServerProcess {
  const { name, logFile } = options;
  const [command, args] = setpriv === undefined
    ? [options.command, [...options.args]]
    : [setpriv, ['--pdeathsig', 'TERM', '--', options.command, ...options.args]];
  const logFd = openSync(logFile, 'a');
  let exit: string | undefined;
  let child;
  try {
    child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
  } finally {
    closeSync(logFd); // the child holds its own copy
  }
  child.on('error', (error) => {
    exit ??= `could not be started (${error.message})`;
  });
  child.on('exit', (code, signal) => {
    exit ??= signal === null ? `exited with code ${code}` : `was killed by ${signal}`;
    if (pid !== undefined && groupEmpty(pid)) liveGroups.delete(pid); // its id may be reused
  });
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(`${name}: spawning ${options.command} failed; see ${logFile}`);
  }
  ensureExitHook();
  liveGroups.add(pid);

  const graceMs = options.graceMs ?? 3000;
  let stopping: Promise<void> | undefined;
  return {
    name,
    pid,
    logFile,
    assertRunning() {
      if (exit !== undefined) throw new Error(`${name} (pid ${pid}) ${exit}`);
    },
    stop() {
      stopping ??= (async () => {
        signalGroup(pid, options.stopSignal ?? 'SIGTERM');
        if (!(await groupGone(pid, graceMs))) {
          signalGroup(pid, 'SIGKILL');
          if (!(await groupGone(pid, 2000))) throw new Error(`${name}: process group ${pid} survived SIGKILL`);
        }
        liveGroups.delete(pid);
      })();
      return stopping;
    },
  };
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** True when no process is left in the group (signal 0 answers ESRCH). */
function groupEmpty(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function groupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!groupEmpty(pgid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/** A fresh private directory under the OS temp dir (honours TMPDIR). */
export async function makeTempDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `signpost-${label}-`));
  ensureExitHook();
  liveDirs.add(dir);
  return dir;
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  liveDirs.delete(dir);
}

/**
 * The error a launcher throws when its server did not come up: names the log
 * file, which stays on disk for that reason (its temp dir is not removed, not
 * even at exit), and quotes its last lines for CI logs.
 */
export function startFailure(server: string, logFile: string, cause: unknown): ServerStartError {
  for (const dir of liveDirs) {
    if (logFile.startsWith(`${dir}${sep}`)) liveDirs.delete(dir); // kept for its log
  }
  const reason = cause instanceof Error ? cause.message : String(cause);
  let tail = '';
  try {
    tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-15).join('\n');
  } catch {
    // no log written yet
  }
  const quoted = tail === '' ? '' : `\n--- last lines of ${logFile} ---\n${tail}`;
  return new ServerStartError(`${server} failed to start: ${reason}; log: ${logFile}${quoted}`, logFile, cause);
}

export class ServerStartError extends Error {
  constructor(message: string, readonly logFile: string, cause: unknown) {
    super(message, { cause });
    this.name = 'ServerStartError';
  }
}

/** Reads a log file, or '' if it does not exist yet. */
export function readLog(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8');
  } catch {
    return '';
  }
}

/** Absolute path of a bin script that an installed npm package declares. */
export function packageBin(packageName: string, binName: string): string {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve(`${packageName}/package.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { bin?: string | Record<string, string> };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.[binName];
  if (bin === undefined) throw new Error(`${packageName} declares no bin named ${binName}`);
  return join(dirname(manifestPath), bin);
}

/** Wait for `pattern` (capturing the port) in the server's log; on failure stop it and throw a start failure naming the log. */
export async function portFromLog(server: ServerProcess, logFile: string, pattern: RegExp, name: string): Promise<number> {
  try {
    return await waitUntil(
      async () => {
        const match = pattern.exec(readLog(logFile));
        return match?.[1] === undefined ? undefined : Number(match[1]);
      },
      { what: `${name} listening line`, timeoutMs: 30_000, intervalMs: 25, check: () => server.assertRunning() },
    );
  } catch (error) {
    await server.stop();
    throw startFailure(name, logFile, error);
  }
}
