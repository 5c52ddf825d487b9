// The upload orchestration against an in-memory fake of the broker and the
// store behind an injected fetch: what is sent, in which order, with what
// reports. The real broker and stores are exercised in test/integration.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { upload, type UploadOptions } from '../../src/client/index.js';

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('base64');
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

interface FakeOptions {
  partSize?: number | undefined;
  /** Answer POST / with `parts` listing these as done. */
  resumeDone?: number[];
  commitAnswers?: Array<{ status: number; body: string }>;
  storeDelayMs?: number;
  /** The first PATCH for this part answers 400. */
  refuseFirstPatchOf?: number;
}

function fakeWorld(file: Buffer, options: FakeOptions = {}) {
  const stored = new Map<number, Buffer>();
  const signed = new Map<number, string>();
  const patches: Array<{ part?: number; body: Record<string, unknown> }> = [];
  const storeCalls: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const partSize = 'partSize' in options ? options.partSize : 1000;
  const fetchFn: typeof fetch = async (input, init = {}) => {
    const url = new URL(String(input));
    const method = init.method ?? 'GET';
    const body = init.body;
    if (url.host === 'broker.test') {
      const path = url.pathname.replace('/api/engine/v2/uploads', '');
      if (method === 'POST' && path === '/') {
        const plan = partSize === undefined ? {} : { part_size: partSize, part_count: Math.ceil(file.length / partSize) };
        if (options.resumeDone) {
          for (const p of options.resumeDone) stored.set(p, file.subarray((p - 1) * partSize!, p * partSize!));
          const partData = Object.fromEntries(options.resumeDone.map((p) => [String(p), { part: p, md5: md5(stored.get(p)!) }]));
          return json({ type: 'parts', upload_id: 'uploads-1', residence: 'AmazonS3', signature: { verb: 'GET', url: 'http://store.test/o?uploadId=U', headers: {} }, part_list: options.resumeDone, part_data: partData, resumable_id: 'U', ...plan });
        }
        return json({ type: 'chunked_upload', upload_id: 'uploads-1', residence: 'AmazonS3', signature: { verb: 'POST', url: 'http://store.test/o?uploads', headers: {} }, ...plan });
      }
      if (method === 'PATCH') {
        const part = url.searchParams.get('part');
        patches.push({ ...(part ? { part: Number(part) } : {}), body: JSON.parse(String(body)) as Record<string, unknown> });
        if (part && Number(part) === options.refuseFirstPatchOf) {
          delete options.refuseFirstPatchOf;
          return json({ error: 'bad_request', message: 'refused once' }, 400);
        }
        if (part) {
          signed.set(Number(part), url.searchParams.get('file_id')!);
          return json({ type: 'part_upload', signature: { verb: 'PUT', url: `http://store.test/o?partNumber=${part}&uploadId=U`, headers: { 'Content-MD5': url.searchParams.get('file_id'), 'Content-Length': '1' } } });
        }
        return json({ type: 'finish', signature: { verb: 'POST', url: 'http://store.test/o?uploadId=U', headers: {} }, body: '<CompleteMultipartUpload/>' });
      }
      if (method === 'PUT') return json({ ok: true });
      if (method === 'DELETE') return new Response(null, { status: 202 });
    }
    storeCalls.push(`${method} ${url.search}`);
    if (url.searchParams.has('uploads')) return new Response('<InitiateMultipartUploadResult><UploadId>U</UploadId></InitiateMultipartUploadResult>');
    if (url.searchParams.has('partNumber')) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        expect(new Headers(init.headers).has('content-length')).toBe(false);
        await new Promise((resolve, reject) => {
          setTimeout(resolve, options.storeDelayMs ?? 5);
          init.signal?.addEventListener('abort', () => reject(init.signal!.reason));
        });
        const bytes = Buffer.from(body as Uint8Array);
        const part = Number(url.searchParams.get('partNumber'));
        if (md5(bytes) !== new Headers(init.headers).get('content-md5')) return new Response('<Error><Code>BadDigest</Code></Error>', { status: 400 });
        stored.set(part, bytes);
        return new Response('');
      } finally {
        inFlight--;
      }
    }
    const answer = options.commitAnswers?.shift() ?? { status: 200, body: '<CompleteMultipartUploadResult/>' };
    return new Response(answer.body, { status: answer.status });
  };
  const assembled = () => Buffer.concat([...stored.keys()].sort((a, b) => a - b).map((p) => stored.get(p)!));
  return { fetch: fetchFn, patches, storeCalls, signed, assembled, maxInFlight: () => maxInFlight };
}

const source = (bytes: Buffer) => ({ name: 'f.bin', size: bytes.length, slice: async (a: number, b: number) => new Uint8Array(bytes.subarray(a, b)) });
const opts = (world: { fetch: typeof fetch }, extra: Partial<UploadOptions> = {}): UploadOptions => ({ url: 'http://broker.test', fetch: world.fetch, retryDelayMs: 1, ...extra });

describe('upload orchestration (fake broker and store)', () => {
  it('initiates, reports the UploadId in the first PATCH, reports each done part once, lists all at finish', async () => {
    const file = randomBytes(3500);
    const world = fakeWorld(file);
    const result = await upload(source(file), opts(world, { parallel: 1 })).done;
    expect(result).toMatchObject({ uploadId: 'uploads-1', partsSent: 4, partsSkipped: 0, resumed: false });
    expect(world.assembled().equals(file)).toBe(true);
    expect(world.storeCalls[0]).toBe('POST ?uploads');
    // Part N+1 is signed while part N is on the wire (prepared ahead), so a PATCH reports the
    // part done before the one in flight: each exactly once, and every part at finish.
    expect(world.patches.map((p) => [p.part, p.body['part_list']])).toEqual([[1, []], [2, []], [3, [1]], [4, [2]], [undefined, [1, 2, 3, 4]]]);
    expect(world.patches[0]!.body['resumable_id']).toBe('U');
    expect(world.patches[1]!.body['resumable_id']).toBeUndefined();
    expect(world.patches[4]!.body['part_data']).toEqual([1, 2, 3, 4].map((p) => ({ part: p, md5: md5(file.subarray((p - 1) * 1000, p * 1000)) })));
  });

  it('redoes a part whose signature, asked for ahead of its turn, was refused', async () => {
    const file = randomBytes(3500);
    const world = fakeWorld(file, { refuseFirstPatchOf: 3, storeDelayMs: 20 });
    const result = await upload(source(file), opts(world, { parallel: 1 })).done;
    expect(result).toMatchObject({ partsSent: 4 });
    expect(world.assembled().equals(file)).toBe(true);
    // Part 3 asked twice: once ahead (refused, dropped), once in its turn.
    expect(world.patches.filter((p) => p.part === 3)).toHaveLength(2);
  });

  it('keeps at most `parallel` parts in flight', async () => {
    const file = randomBytes(12_000);
    const world = fakeWorld(file, { storeDelayMs: 20 });
    await upload(source(file), opts(world, { parallel: 3 })).done;
    expect(world.maxInFlight()).toBe(3);
    expect(world.assembled().equals(file)).toBe(true);
  });

  it('skips what a `parts` answer lists and never calls its signature url', async () => {
    const file = randomBytes(4200);
    const world = fakeWorld(file, { resumeDone: [1, 3] });
    const task = upload(source(file), opts(world));
    const skipped: number[] = [];
    task.on('part', (e) => e.status === 'skipped' && skipped.push(e.part));
    const result = await task.done;
    expect(result).toMatchObject({ resumed: true, partsSkipped: 2, partsSent: 3 });
    expect(skipped).toEqual([1, 3]);
    expect(world.patches.filter((p) => p.part).map((p) => p.part).sort()).toEqual([2, 4, 5]);
    expect(world.storeCalls.some((c) => c.startsWith('GET'))).toBe(false);
    expect(world.assembled().equals(file)).toBe(true);
  });

  it('falls back to 5 MiB parts when the broker sends no plan (plain PlaceOS)', async () => {
    const file = randomBytes(5 * 1024 * 1024 + 10);
    const world = fakeWorld(file, { partSize: undefined });
    const result = await upload(source(file), opts(world)).done;
    expect(result.partsSent).toBe(2);
    expect(world.assembled().equals(file)).toBe(true);
  });

  it('retries a commit that S3 answered 200 with an <Error> body', async () => {
    const file = randomBytes(2500);
    const world = fakeWorld(file, { commitAnswers: [{ status: 200, body: '<Error><Code>InternalError</Code></Error>' }] });
    await upload(source(file), opts(world)).done;
    expect(world.storeCalls.filter((c) => c.startsWith('POST ?uploadId'))).toHaveLength(2);
  });

  it('still finalizes when the commit keeps failing: the broker verifies (and may commit itself)', async () => {
    const file = randomBytes(2500);
    const world = fakeWorld(file, { commitAnswers: [{ status: 404, body: '<Error><Code>NoSuchUpload</Code></Error>' }] });
    await expect(upload(source(file), opts(world)).done).resolves.toMatchObject({ partsSent: 3 });
  });

  it('pause aborts parts in flight and sends them again on resume', async () => {
    const file = randomBytes(6000);
    const world = fakeWorld(file, { storeDelayMs: 30 });
    const task = upload(source(file), opts(world, { parallel: 2 }));
    const states: string[] = [];
    task.on('state', (s) => states.push(s));
    const paused = new Promise<void>((resolve) => task.on('state', (s) => s === 'paused' && resolve()));
    task.once('part', () => task.pause());
    await paused;
    expect(task.state).toBe('paused');
    const sentWhilePaused = world.storeCalls.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(world.storeCalls.length).toBe(sentWhilePaused);
    task.resume();
    await task.done;
    expect(states).toEqual(['hashing', 'uploading', 'paused', 'uploading', 'finishing', 'complete']);
    expect(world.assembled().equals(file)).toBe(true);
  });

  it('re-reads the headers function on every request', async () => {
    const file = randomBytes(1500);
    const world = fakeWorld(file);
    let calls = 0;
    await upload(source(file), opts(world, { headers: () => ({ Authorization: `Bearer t${++calls}` }) })).done;
    expect(calls).toBe(world.patches.length + 2); // POST, PATCHes, PUT
  });
});
