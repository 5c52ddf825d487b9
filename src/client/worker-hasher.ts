// A Hasher that hashes in Web Workers, so a multi-GiB file does not freeze the
// page. If a worker cannot start (no Worker, script 404, CSP), it falls back to
// hashing in the calling thread rather than failing the upload.
import { inThreadHasher, type Hasher } from './hasher.js';
import type { UploadSource } from './types.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

export interface WorkerHasherOptions {
  /** URL of the bundled md5-worker.js; default: next to this module. */
  url?: string | URL;
  /** Workers in the pool (parts hash in parallel); default 2. */
  workers?: number;
}

interface Pending {
  resolve(md5: string): void;
  reject(error: Error): void;
  onProgress: ((bytes: number) => void) | undefined;
}

export function createWorkerHasher(options: WorkerHasherOptions = {}): Hasher & { terminate(): void } {
  if (typeof Worker === 'undefined') return { ...inThreadHasher, terminate: () => undefined };
  const url = options.url ?? new URL('./md5-worker.js', import.meta.url);
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let broken = false;
  const pool = Array.from({ length: Math.max(1, options.workers ?? 2) }, () => {
    const worker = new Worker(url, { type: 'module' });
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      const job = pending.get(reply.id);
      if (!job) return;
      if ('progress' in reply) return job.onProgress?.(reply.progress);
      pending.delete(reply.id);
      if ('md5' in reply) job.resolve(reply.md5);
      else job.reject(new Error(`md5 worker: ${reply.error}`));
    };
    // A worker that failed to load: hash in-thread from now on, and redo what it held.
    worker.onerror = (event) => {
      event.preventDefault();
      broken = true;
      for (const job of pending.values()) job.reject(new WorkerUnavailable());
      pending.clear();
    };
    return worker;
  });
  let turn = 0;

  async function inWorker(source: UploadSource, start: number, end: number, onProgress?: (bytes: number) => void): Promise<string> {
    const id = nextId++;
    const worker = pool[turn++ % pool.length]!;
    const request: WorkerRequest = { id, start, end };
    const transfer: Transferable[] = [];
    if (source.blob) request.blob = source.blob;
    else {
      // Not a Blob: send a copy (transferring would detach bytes the uploader still sends).
      request.bytes = (await source.slice(start, end)).slice().buffer as ArrayBuffer;
      transfer.push(request.bytes);
    }
    return new Promise<string>((resolve, reject) => {
      pending.set(id, { resolve, reject, onProgress });
      worker.postMessage(request, transfer);
    });
  }

  return {
    async md5(source, start, end, onProgress, signal) {
      if (!broken) {
        try {
          const md5 = await inWorker(source, start, end, onProgress);
          signal?.throwIfAborted();
          return md5;
        } catch (error) {
          if (!(error instanceof WorkerUnavailable)) throw error;
        }
      }
      return inThreadHasher.md5(source, start, end, onProgress, signal);
    },
    terminate() {
      for (const worker of pool) worker.terminate();
    },
  };
}

class WorkerUnavailable extends Error {}
