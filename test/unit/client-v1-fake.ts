// An in-memory fake of the v1 broker and a store behind one injected fetch, for
// the v1 client's unit tests: it records every broker call and store request,
// checks each part against the MD5 and SHA-256 its URL was signed with, and
// answers what the test scripts (expired URLs, refusals, lost answers).
import { createHash } from 'node:crypto';
import type { UploadSource } from '../../src/client/types.js';

export const md5b64 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('base64');
export const sha256hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

export interface BrokerCall {
  method: string;
  path: string;
  body: unknown;
  headers: Headers;
}

export interface FakeV1Options {
  partSize?: number;
  strategy?: 'single' | 'multipart';
  /** Digests (hex) the fake treats as verified blobs: POST /uploads with one answers already_present. */
  present?: string[];
  /** Milliseconds each part PUT takes (random up to this when `jitter`). */
  storeDelayMs?: number;
  jitter?: boolean;
  /** A scripted answer to a broker call (undefined: the fake answers). */
  broker?: (call: BrokerCall, n: number) => Response | undefined;
  /** A scripted answer to a part PUT (undefined: the fake stores it). */
  store?: (part: number, n: number, url: URL) => Response | undefined;
  /** expires_at of each signature; default five minutes ahead. */
  expiresAt?: (part: number, n: number) => string;
}

export function fakeV1(file: Uint8Array, options: FakeV1Options = {}) {
  const partSize = options.partSize ?? 1000;
  const strategy = options.strategy ?? (file.length > partSize ? 'multipart' : 'single');
  const partCount = strategy === 'single' ? 1 : Math.max(1, Math.ceil(file.length / partSize));
  const stored = new Map<number, Uint8Array>();
  const calls: BrokerCall[] = [];
  const storePuts: Array<{ part: number; sig: string; status: number }> = [];
  /** Per part: how many times it was signed. */
  const signings = new Map<number, number>();
  let sigSerial = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let state = 'pending';

  const answer = async (call: BrokerCall): Promise<Response> => {
    const n = calls.filter((c) => c.method === call.method && c.path.split('?')[0] === call.path.split('?')[0]).length - 1;
    const scripted = options.broker?.(call, n);
    if (scripted) return scripted;
    const { method, path, body } = call;
    if (method === 'POST' && path === '/uploads') {
      const sha = (body as { sha256?: string }).sha256;
      if (sha !== undefined && options.present?.includes(sha)) return json({ id: 'uploads-present', already_present: true, blob: { sha256: sha, size: file.length, mime: 'application/octet-stream', key: 'k' } });
      return json({ id: 'uploads-1', upload_token: 'tok-1', strategy, part_size: strategy === 'single' ? file.length : partSize, part_count: partCount, expires_at: new Date(Date.now() + 3600_000).toISOString() }, 202, { 'Upload-ID': 'uploads-1', 'Upload-Token': 'tok-1' });
    }
    const parts = /^\/uploads\/([^/]+)\/parts$/.exec(path);
    if (method === 'POST' && parts) {
      const asked = (body as { parts: Array<{ number: number; md5: string; sha256: string }> }).parts;
      return json({
        parts: asked.map((p) => {
          const count = (signings.get(p.number) ?? 0) + 1;
          signings.set(p.number, count);
          const url = `http://store.test/o?partNumber=${p.number}&sig=${++sigSerial}&md5=${encodeURIComponent(p.md5)}&sha=${p.sha256}`;
          const expires_at = options.expiresAt?.(p.number, count) ?? new Date(Date.now() + 300_000).toISOString();
          return { number: p.number, method: 'PUT', url, headers: { 'Content-MD5': p.md5, 'Content-Length': '0', 'x-amz-checksum-sha256': Buffer.from(p.sha256, 'hex').toString('base64') }, expires_at };
        }),
      });
    }
    if (method === 'POST' && /\/complete\?digest=/.test(path)) {
      const digest = decodeURIComponent(path.split('digest=')[1]!);
      const all = Buffer.concat([...Array(partCount).keys()].map((i) => stored.get(i + 1) ?? new Uint8Array()));
      if (digest !== `sha-256:${sha256hex(all)}`) return json({ error: 'digest_mismatch', message: 'the digest does not match the bytes in the store' }, 422);
      state = 'complete';
      return json({ id: 'uploads-1', sha256: sha256hex(all), size: all.length, verified: 'store' }, 201);
    }
    if (method === 'PUT' && /^\/upload-sessions\/[^/]+\/blobs\//.test(path)) {
      const sha = path.split('/').at(-1)!;
      return json({ uploadSessionId: path.split('/')[2], alreadyPresent: false, blob: { sha256: sha, size: file.length, mime: 'application/octet-stream', key: 'k' } });
    }
    if (method === 'GET' && path === '/uploads/uploads-1') return json({ id: 'uploads-1', filename: 'f.bin', size: file.length, sha256: sha256hex(file), state, verified: 'store' });
    if (method === 'DELETE') {
      state = 'aborted';
      return new Response(null, { status: 204 });
    }
    return json({ error: 'not_found', message: `no route ${method} ${path}` }, 404);
  };

  const fetchFn: typeof fetch = async (input, init = {}) => {
    const url = new URL(String(input));
    const method = init.method ?? 'GET';
    if (url.host === 'broker.test') {
      const call: BrokerCall = { method, path: url.pathname.replace(/^\/api\/v1/, '') + url.search, body: init.body === undefined ? undefined : JSON.parse(String(init.body)), headers: new Headers(init.headers) };
      calls.push(call);
      return answer(call);
    }
    const part = Number(url.searchParams.get('partNumber'));
    const n = storePuts.filter((p) => p.part === part).length;
    const put = { part, sig: url.searchParams.get('sig')!, status: 0 };
    storePuts.push(put);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      const delay = options.jitter ? Math.random() * (options.storeDelayMs ?? 5) : (options.storeDelayMs ?? 1);
      await new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, delay);
        init.signal?.addEventListener('abort', () => (clearTimeout(timer), reject(init.signal!.reason)));
      });
      const scripted = options.store?.(part, n, url);
      const res = scripted ?? check(url, new Headers(init.headers), new Uint8Array(init.body as Uint8Array));
      put.status = res.status;
      if (res.ok) stored.set(part, new Uint8Array(init.body as Uint8Array));
      return res;
    } finally {
      inFlight--;
    }
  };

  /** What S3 checks: Content-MD5 and the signed checksum; never a Content-Length the client set (fetch does). */
  function check(url: URL, headers: Headers, bytes: Uint8Array): Response {
    if (headers.has('content-length')) return new Response('<Error><Code>ClientSetLength</Code></Error>', { status: 400 });
    if (headers.get('content-md5') !== url.searchParams.get('md5') || md5b64(bytes) !== url.searchParams.get('md5')) return new Response('<Error><Code>BadDigest</Code></Error>', { status: 400 });
    if (sha256hex(bytes) !== url.searchParams.get('sha')) return new Response('<Error><Code>BadDigest</Code></Error>', { status: 400 });
    return new Response('', { status: 200 });
  }

  return {
    fetch: fetchFn,
    calls,
    storePuts,
    signings,
    partCount,
    signCalls: () => calls.filter((c) => /\/parts$/.test(c.path)),
    assembled: () => Buffer.concat([...stored.keys()].sort((a, b) => a - b).map((p) => stored.get(p)!)),
    maxInFlight: () => maxInFlight,
  };
}

/** A source that counts every byte range read from it. */
export function countingSource(bytes: Uint8Array, name = 'f.bin') {
  const reads: Array<[number, number]> = [];
  const source: UploadSource = {
    name,
    size: bytes.length,
    slice: async (start, end) => {
      reads.push([start, end]);
      return bytes.slice(start, end);
    },
  };
  /** Bytes read in all, and whether every byte was read exactly once. */
  const readOnce = () => {
    const counts = new Uint8Array(bytes.length);
    for (const [a, b] of reads) for (let i = a; i < b; i++) counts[i]!++;
    return counts.every((c) => c === 1);
  };
  return { source, reads, readOnce, bytesRead: () => reads.reduce((sum, [a, b]) => sum + (b - a), 0) };
}
