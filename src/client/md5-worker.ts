// Web Worker: MD5 of a Blob range with hash-wasm, off the page's main thread.
// Bundle it on its own (esbuild src/client/md5-worker.ts --bundle --format=esm)
// and serve it next to the page's bundle as md5-worker.js.
import { createMD5 } from 'hash-wasm';
import { HASH_CHUNK, toBase64 } from './hasher.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

// The DOM lib types `self` as a Window; inside a worker only these two matter.
const scope = self as unknown as { onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null; postMessage(message: WorkerReply): void };

async function hashRange(request: WorkerRequest): Promise<string> {
  const hasher = await createMD5();
  hasher.init();
  if (request.bytes) {
    hasher.update(new Uint8Array(request.bytes));
    scope.postMessage({ id: request.id, progress: request.bytes.byteLength });
  } else if (request.blob) {
    for (let offset = request.start; offset < request.end; offset += HASH_CHUNK) {
      const chunk = new Uint8Array(await request.blob.slice(offset, Math.min(request.end, offset + HASH_CHUNK)).arrayBuffer());
      hasher.update(chunk);
      scope.postMessage({ id: request.id, progress: chunk.length });
    }
  }
  return toBase64(hasher.digest('binary'));
}

scope.onmessage = (event) => {
  const request = event.data;
  hashRange(request).then(
    (md5) => scope.postMessage({ id: request.id, md5 }),
    (error: unknown) => scope.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
  );
};
