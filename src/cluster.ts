// WORKERS=N: N broker processes on one port (node:cluster). The primary serves nothing
// itself: it forks the workers, hands them connections (round-robin), forwards SIGTERM and
// SIGINT, restarts a worker that crashed after it was serving (with backoff), and exits when
// every worker has exited on shutdown. A worker that could not start (a busy port, a config
// it refused) stops the whole cluster with exit 1: restarting it would only fail again.
import cluster, { type Worker } from 'node:cluster';
import type { Server } from 'node:http';
import { backoffDelay } from './backoff.js';

/** Restart delay after a crash: the shared backoff (src/backoff.ts) from BASE, per crash in a row, up to MAX. */
const RESTART_BASE_MS = 250;
const RESTART_MAX_MS = 30_000;
/** A worker that served this long before crashing resets the backoff. */
const STABLE_AFTER_MS = 60_000;

export interface PrimaryOptions {
  workers: number;
  /** How long workers get to stop after SIGTERM before they are killed (and the exit is 1). */
  stopGraceMs: number;
  log?: (line: string) => void;
}

/** Runs the cluster's primary; the process exits when the cluster stops. */
export function runPrimary({ workers, stopGraceMs, log = (line) => console.error(`signpost: ${line}`) }: PrimaryOptions): void {
  let stopping = false;
  let failed = false;
  let crashesInARow = 0;
  const restarts = new Set<NodeJS.Timeout>();
  const serving = new WeakMap<Worker, number>();

  const exitWhenAllGone = () => {
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(failed ? 1 : 0);
  };
  const stopAll = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const timer of restarts) clearTimeout(timer);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    const kill = setTimeout(() => {
      failed = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
    }, stopGraceMs + 5_000);
    kill.unref();
    exitWhenAllGone();
  };

  const fork = () => {
    const worker = cluster.fork();
    worker.once('listening', () => serving.set(worker, Date.now()));
    worker.once('exit', (code, signal) => {
      const servedSince = serving.get(worker);
      if (stopping) {
        // A worker still starting has no handler yet and ends by the signal itself: a clean stop too.
        if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGINT') failed = true;
        return exitWhenAllGone();
      }
      if (servedSince === undefined) {
        // It never served: its own output said why (port busy, bad config). Stop the rest.
        failed = true;
        log(`worker ${worker.process.pid} exited (${signal ?? code}) before it was serving; stopping`);
        return stopAll('SIGTERM');
      }
      crashesInARow = Date.now() - servedSince >= STABLE_AFTER_MS ? 1 : crashesInARow + 1;
      const delay = backoffDelay(crashesInARow, { baseMs: RESTART_BASE_MS, capMs: RESTART_MAX_MS });
      log(`worker ${worker.process.pid} exited (${signal ?? code}); starting another in ${delay} ms`);
      const timer = setTimeout(() => {
        restarts.delete(timer);
        fork();
      }, delay);
      restarts.add(timer);
    });
  };

  process.on('SIGTERM', () => stopAll('SIGTERM'));
  process.on('SIGINT', () => stopAll('SIGINT'));
  for (let i = 0; i < workers; i++) fork();
}

/** In a worker: every answer names it (X-Signpost-Worker: its cluster id), so operators and tests see who served. */
export function nameWorkerInResponses(server: Server): void {
  const id = cluster.worker?.id;
  if (id === undefined) return;
  server.prependListener('request', (_req, res) => res.setHeader('X-Signpost-Worker', String(id)));
}

export const isClusterWorker = (): boolean => cluster.isWorker;
