// The Node-only transfer pieces of signpost/client/node: nodeFetch (parts sent with
// node:http, without fetch's copies) and nodeHasher (node:crypto MD5), against a real
// loopback HTTP server.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSource, nodeFetch, nodeHasher } from '../../src/client/node.js';
import { withCachedRange } from '../../src/client/source.js';
import { sendSigned } from '../../src/client/store-request.js';

let server: Server;
let base: string;
const received: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: Buffer }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      if (req.url === '/refuse') {
        res.writeHead(400, { 'content-type': 'application/xml' }).end('<Error><Code>BadDigest</Code><Message>no</Message></Error>');
      } else if (req.url === '/empty') {
        res.writeHead(204).end();
      } else if (req.url === '/hang') {
        // never answers: the caller's abort ends it
      } else {
        res.writeHead(200, { etag: '"x"' }).end(`got ${Buffer.concat(chunks).length}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('nodeFetch', () => {
  it('sends a byte body as it is, with the given headers and its length', async () => {
    const bytes = new Uint8Array(randomBytes(300_000));
    const part = bytes.subarray(1000, 201_000); // a view into a larger buffer: only the view's bytes go
    const res = await nodeFetch(`${base}/part?n=1`, { method: 'PUT', headers: { 'Content-MD5': 'abc==' }, body: part });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"x"');
    expect(await res.text()).toBe('got 200000');
    const last = received.at(-1)!;
    expect(last).toMatchObject({ method: 'PUT', url: '/part?n=1' });
    expect(last.headers['content-md5']).toBe('abc==');
    expect(last.headers['content-length']).toBe('200000');
    expect(last.body.equals(Buffer.from(part))).toBe(true);
  });

  it("answers a refusal's status and body, and a 204 with no body", async () => {
    const refused = await nodeFetch(`${base}/refuse`, { method: 'PUT', body: new Uint8Array(3) });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('BadDigest');
    const empty = await nodeFetch(`${base}/empty`, { method: 'PUT', body: new Uint8Array(3) });
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe('');
  });

  it('is a retryable store_unreachable failure to sendSigned when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const failure = sendSigned(nodeFetch, { verb: 'PUT', url: `http://127.0.0.1:${port}/x`, headers: {} }, new Uint8Array(4));
    await expect(failure).rejects.toMatchObject({ code: 'store_unreachable', retryable: true, message: expect.stringContaining('ECONNREFUSED') });
  });

  it('stops a request when its signal aborts, with the signal reason', async () => {
    const controller = new AbortController();
    const pending = nodeFetch(`${base}/hang`, { method: 'PUT', body: new Uint8Array(10), signal: controller.signal });
    const reason = new Error('paused');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it('hands a body that is not bytes (the broker JSON) to the built-in fetch', async () => {
    const res = await nodeFetch(`${base}/json`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(await res.text()).toBe('got 7');
    expect(received.at(-1)).toMatchObject({ method: 'PATCH', url: '/json' });
  });
});

describe('nodeHasher', () => {
  it('is the base64 MD5 of the range, read in chunks, with progress adding up', async () => {
    const bytes = randomBytes(20 * 1024 * 1024 + 17);
    const source = { name: 'f', size: bytes.length, slice: async (a: number, b: number) => new Uint8Array(bytes.subarray(a, b)) };
    let progressed = 0;
    const md5 = await nodeHasher.md5(source, 5, bytes.length, (n) => (progressed += n));
    expect(md5).toBe(createHash('md5').update(bytes.subarray(5)).digest('base64'));
    expect(progressed).toBe(bytes.length - 5);
  });

  it('reads a file source into its own two buffers: the same MD5 for any range, and a file that changes fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'signpost-node-hasher-'));
    try {
      const path = join(dir, 'f.bin');
      const bytes = randomBytes(9 * 1024 * 1024 + 5);
      await writeFile(path, bytes);
      const source = await fileSource(path);
      expect(source.readInto).toBeTypeOf('function');
      for (const [start, end] of [[0, bytes.length], [3, 2 * 1024 * 1024 + 7], [bytes.length - 10, bytes.length]] as const) {
        expect(await nodeHasher.md5(source, start, end)).toBe(createHash('md5').update(bytes.subarray(start, end)).digest('base64'));
      }
      await appendFile(path, 'more');
      await expect(nodeHasher.md5(source, 0, bytes.length)).rejects.toMatchObject({ code: 'source_changed' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("hashes a part's bytes in memory, not the file again (the bytes sent are the bytes hashed)", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'signpost-node-hasher-'));
    try {
      const path = join(dir, 'f.bin');
      await writeFile(path, randomBytes(4096));
      const inMemory = new Uint8Array(randomBytes(1000)); // not what the file holds there
      const cached = withCachedRange(await fileSource(path), 100, inMemory);
      expect(cached.readInto).toBeUndefined();
      expect(await nodeHasher.md5(cached, 100, 1100)).toBe(createHash('md5').update(inMemory).digest('base64'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
