// Entry points run as a user runs them (`npm start`, `node dist/src/main.js`), watched
// from outside: their output, their exit, and every process they started (from /proc).
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { waitUntil } from '../../scripts/servers/ports.js';

export interface Launched {
  child: ChildProcess;
  pid: number;
  output(): string;
  /** The exit code, or the signal's name when a signal ended it. */
  exited: Promise<number | string>;
  /** Output so far matched `pattern`; waits until it does, or the process exits. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** SIGKILL its whole process group if it is still running (test cleanup). */
  killGroup(): void;
}

/** Starts `command` as the leader of its own process group, so cleanup reaches everything it started. */
export function launch(command: string, args: string[], env: Record<string, string>, cwd = process.cwd()): Launched {
  const child = spawn(command, args, { cwd, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${command}`);
  let text = '';
  let done = false;
  child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      done = true;
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  return {
    child,
    pid,
    output: () => text,
    exited,
    waitForOutput: (pattern, timeoutMs = 60_000) =>
      waitUntil(async () => pattern.exec(text) ?? undefined, {
        what: `${pattern} in the output of ${command} ${args.join(' ')}`,
        timeoutMs,
        intervalMs: 50,
        check: () => {
          if (done && !pattern.test(text)) throw new Error(`${command} exited before printing ${pattern}; output:\n${text}`);
        },
      }),
    killGroup: () => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

/** Parent pid of every process now running. */
function parentsByPid(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/PID/stat: "pid (comm) state ppid …"; comm may contain spaces and parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // exited while we looked
    }
  }
  return parents;
}

/** Every process descended from `pid` (children, their children, …), now. */
export function descendants(pid: number): number[] {
  const parents = parentsByPid();
  const found: number[] = [];
  const frontier = [pid];
  while (frontier.length > 0) {
    const parent = frontier.pop();
    for (const [child, ppid] of parents) {
      if (ppid === parent && !found.includes(child)) {
        found.push(child);
        frontier.push(child);
      }
    }
  }
  return found;
}

/** True while `pid` exists and is not a zombie waiting to be reaped. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
