// The v1 upload of one file against an in-memory fake of the broker and the
// store (client-v1-fake.ts): one read of the file, digests in that read,
// batched signing ahead of the parts in flight, re-signing, retries, refusals,
// cancel, pause. The real broker and stores: test/integration/client-v1.test.ts.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { uploadBlob, type BlobUploadOptions } from '../../src/client/node.js';
import { uploadBlob as uploadBlobWasm } from '../../src/client/index.js';
import { countingSource, fakeV1, json, md5b64, sha256hex } from './client-v1-fake.js';

const opts = (world: { fetch: typeof fetch }, extra: Partial<BlobUploadOptions> = {}): BlobUploadOptions => ({ url: 'http://broker.test', fetch: world.fetch, retryDelayMs: 1, ...extra });
const partOf = (file: Uint8Array, n: number, size = 1000) => file.subarray((n - 1) * size, n * size);

describe('v1 upload of one file (fake broker and store)', () => {
  it('reads every byte once, hashes each part (MD5, SHA-256) and the whole file in that read, and completes with the digest', async () => {
    const file = randomBytes(10_500);
    const world = fakeV1(file);
    const { source, reads, readOnce } = countingSource(file);
    const result = await uploadBlob(source, opts(world, { parallel: 3 })).done;
    expect(result).toEqual({ id: 'uploads-1', fileName: 'f.bin', size: file.length, sha256: sha256hex(file), alreadyPresent: false, verified: 'store', partsSent: 11 });
    expect(reads).toHaveLength(11); // one read per part…
    expect(readOnce()).toBe(true); // …and every byte in exactly one of them
    expect(world.assembled().equals(file)).toBe(true);
    const signed = world.signCalls().flatMap((c) => (c.body as { parts: Array<{ number: number; md5: string; sha256: string }> }).parts);
    expect(signed.sort((a, b) => a.number - b.number)).toEqual(Array.from({ length: 11 }, (_, i) => ({ number: i + 1, md5: md5b64(partOf(file, i + 1)), sha256: sha256hex(partOf(file, i + 1)) })));
    expect(world.calls.at(-1)!.path).toBe(`/uploads/uploads-1/complete?digest=${encodeURIComponent(`sha-256:${sha256hex(file)}`)}`);
    expect(world.calls[0]!.body).toEqual({ filename: 'f.bin', size: file.length });
  });

  it('the whole-file SHA-256 is right when parts finish out of order (hash-wasm too)', async () => {
    const file = randomBytes(20_000);
    for (const upload of [uploadBlob, uploadBlobWasm]) {
      const world = fakeV1(file, { storeDelayMs: 15, jitter: true });
      const done: number[] = [];
      const task = upload(countingSource(file).source, opts(world, { parallel: 6 }));
      task.on('part', (e) => done.push(e.part));
      const result = await task.done;
      expect(result.sha256).toBe(sha256hex(file));
      expect(done).toHaveLength(20);
      expect(world.assembled().equals(file)).toBe(true);
    }
  });

  it('signs in batches ahead of the parts in flight: far fewer broker calls than parts, each part signed once, before it is sent', async () => {
    const file = randomBytes(40_000);
    const world = fakeV1(file, { storeDelayMs: 10 });
    await uploadBlob(countingSource(file).source, opts(world, { parallel: 4, readAhead: 8 })).done;
    const calls = world.signCalls();
    expect(calls.length).toBeLessThanOrEqual(7); // 40 parts, batches of up to readAhead (8)
    expect(Math.max(...calls.map((c) => (c.body as { parts: unknown[] }).parts.length))).toBe(8);
    expect([...world.signings.values()].every((n) => n === 1)).toBe(true);
    expect(world.signings.size).toBe(40);
    expect(world.storePuts.every((p) => p.status === 200)).toBe(true);
  });

  it('at the start, idle senders wait for the first batch instead of asking for their part alone', async () => {
    const file = randomBytes(5000);
    const world = fakeV1(file);
    await uploadBlob(countingSource(file).source, opts(world, { parallel: 3, readAhead: 3 })).done;
    expect(world.signCalls().map((c) => (c.body as { parts: Array<{ number: number }> }).parts.map((p) => p.number))).toEqual([[1, 2, 3], [4, 5]]);
  });

  it('caps one signing call at signBatch parts', async () => {
    const file = randomBytes(30_000);
    const world = fakeV1(file, { storeDelayMs: 20 });
    await uploadBlob(countingSource(file).source, opts(world, { parallel: 2, readAhead: 20, signBatch: 3 })).done;
    expect(Math.max(...world.signCalls().map((c) => (c.body as { parts: unknown[] }).parts.length))).toBe(3);
    expect(world.signings.size).toBe(30);
  });

  it('keeps at most `parallel` parts in flight and at most parallel + readAhead parts read and unsent', async () => {
    const file = randomBytes(30_000);
    const world = fakeV1(file, { storeDelayMs: 10 });
    const { source, reads } = countingSource(file);
    let worst = 0;
    const task = uploadBlob(source, opts(world, { parallel: 3, readAhead: 2 }));
    task.on('part', (e) => e.status === 'done' && (worst = Math.max(worst, reads.length - world.storePuts.filter((p) => p.status === 200).length)));
    await task.done;
    expect(world.maxInFlight()).toBe(3);
    expect(worst).toBeLessThanOrEqual(5);
  });

  it('sends exactly the headers signed, less Content-Length (fetch sets it from the body)', async () => {
    const file = randomBytes(2500);
    const world = fakeV1(file);
    await uploadBlob(countingSource(file).source, opts(world)).done;
    expect(world.storePuts.map((p) => p.status)).toEqual([200, 200, 200]); // the fake store refuses a client-set Content-Length
  });

  it('a single-strategy upload is one part, the whole file, read once', async () => {
    const file = randomBytes(800);
    const world = fakeV1(file, { strategy: 'single' });
    const { source, reads } = countingSource(file);
    const result = await uploadBlob(source, opts(world)).done;
    expect(result).toMatchObject({ partsSent: 1, sha256: sha256hex(file) });
    expect(reads).toEqual([[0, 800]]);
    expect(world.assembled().equals(file)).toBe(true);
  });

  it('an empty file is one empty part', async () => {
    const world = fakeV1(new Uint8Array(), { strategy: 'single' });
    const result = await uploadBlob(countingSource(new Uint8Array()).source, opts(world)).done;
    expect(result).toMatchObject({ size: 0, partsSent: 1, sha256: sha256hex(new Uint8Array()) });
  });

  it('reports progress and states like upload()', async () => {
    const file = randomBytes(5000);
    const world = fakeV1(file);
    const task = uploadBlob(countingSource(file).source, opts(world, { parallel: 2 }));
    const states: string[] = [];
    const done: number[] = [];
    task.on('state', (s) => states.push(s)).on('progress', (p) => done.push(p.bytesDone));
    await task.done;
    expect(states).toEqual(['uploading', 'finishing', 'complete']);
    expect(done).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
    expect(task.uploadId).toBe('uploads-1');
  });
});

describe('v1 upload: expired signatures, retries and refusals', () => {
  it('re-signs a part whose URL the store refused as expired (403) and sends it again', async () => {
    const file = randomBytes(5000);
    const world = fakeV1(file, { store: (part, n) => (part === 2 && n === 0 ? new Response('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>', { status: 403 }) : undefined) });
    const task = uploadBlob(countingSource(file).source, opts(world));
    const retries: unknown[] = [];
    task.on('part', (e) => e.status === 'retry' && retries.push(e));
    await task.done;
    expect(retries).toEqual([{ part: 2, status: 'retry', attempt: 1, reason: 'signature_expired' }]);
    expect(world.signings.get(2)).toBe(2);
    const puts2 = world.storePuts.filter((p) => p.part === 2);
    expect(puts2.map((p) => p.status)).toEqual([403, 200]);
    expect(puts2[0]!.sig).not.toBe(puts2[1]!.sig);
    expect(world.assembled().equals(file)).toBe(true);
  });

  it('renews a URL about to expire before sending it, so the store never sees it', async () => {
    const file = randomBytes(3000);
    // Part 3's first signature lapses at once; every other lives five minutes.
    const world = fakeV1(file, { expiresAt: (part, n) => new Date(Date.now() + (part === 3 && n === 1 ? 0 : 300_000)).toISOString() });
    await uploadBlob(countingSource(file).source, opts(world)).done;
    expect(world.signings.get(3)).toBe(2);
    expect(world.storePuts.filter((p) => p.part === 3)).toHaveLength(1);
    expect(world.storePuts.every((p) => p.status === 200)).toBe(true);
  });

  it('renews early only once per part: a clock that makes every URL look stale cannot loop', async () => {
    const file = randomBytes(2000);
    const world = fakeV1(file, { expiresAt: () => new Date(Date.now() - 60_000).toISOString() });
    await uploadBlob(countingSource(file).source, opts(world)).done;
    expect([...world.signings.values()]).toEqual([2, 2]);
    expect(world.storePuts).toHaveLength(2);
  });

  it('sends the same bytes again after the store saw them damaged (400 BadDigest), without reading the file again', async () => {
    const file = randomBytes(3000);
    const world = fakeV1(file, { store: (part, n) => (part === 1 && n === 0 ? new Response('<Error><Code>BadDigest</Code></Error>', { status: 400 }) : undefined) });
    const { source, reads } = countingSource(file);
    const task = uploadBlob(source, opts(world));
    const reasons: string[] = [];
    task.on('part', (e) => e.status === 'retry' && reasons.push(e.reason!));
    await task.done;
    expect(reasons).toEqual(['corrupted']);
    expect(reads).toHaveLength(3);
    expect(world.signings.get(1)).toBe(1);
  });

  it('retries a store 500 with backoff, and gives up after `retries`', async () => {
    const file = randomBytes(2000);
    const flaky = fakeV1(file, { store: (part, n) => (part === 1 && n < 2 ? new Response('<Error><Code>InternalError</Code></Error>', { status: 500 }) : undefined) });
    await expect(uploadBlob(countingSource(file).source, opts(flaky, { retries: 2 })).done).resolves.toMatchObject({ partsSent: 2 });
    const broken = fakeV1(file, { store: (part) => (part === 1 ? new Response('<Error><Code>InternalError</Code><Message>down</Message></Error>', { status: 500 }) : undefined) });
    await expect(uploadBlob(countingSource(file).source, opts(broken, { retries: 2 })).done).rejects.toMatchObject({ code: 'store_rejected', status: 500, message: expect.stringMatching(/InternalError: down/) });
    expect(broken.storePuts.filter((p) => p.part === 1)).toHaveLength(3);
    expect(broken.calls.at(-1)!.method).toBe('DELETE'); // nothing of it is of use later: destroyed
  });

  it('retries broker calls that failed transiently (503 on signing, 502 on complete)', async () => {
    const file = randomBytes(3000);
    const world = fakeV1(file, {
      broker: (call, n) => {
        if (/\/parts$/.test(call.path) && n === 0) return json({ error: 'unavailable', message: 'Redis is down' }, 503, { 'Retry-After': '0' });
        if (/\/complete/.test(call.path) && n === 0) return json({ error: 'store_failed', message: 'the store failed' }, 502);
        return undefined;
      },
    });
    await expect(uploadBlob(countingSource(file).source, opts(world)).done).resolves.toMatchObject({ partsSent: 3, verified: 'store' });
  });

  it("fails with the broker's code and message when it refuses to sign (410), and destroys the upload", async () => {
    const file = randomBytes(3000);
    const world = fakeV1(file, { broker: (call) => (/\/parts$/.test(call.path) ? json({ error: 'expired', message: 'upload uploads-1 has expired' }, 410) : undefined) });
    const task = uploadBlob(countingSource(file).source, opts(world));
    await expect(task.done).rejects.toMatchObject({ name: 'UploadError', code: 'expired', status: 410, brokerMessage: 'upload uploads-1 has expired' });
    expect(task.state).toBe('failed');
    expect(world.storePuts).toHaveLength(0);
    expect(world.calls.at(-1)).toMatchObject({ method: 'DELETE', path: '/uploads/uploads-1' });
  });

  it('a 422 from complete (digest mismatch) fails with the broker\'s words and destroys the upload', async () => {
    const file = randomBytes(3000);
    const world = fakeV1(file, { broker: (call) => (/\/complete/.test(call.path) ? json({ error: 'digest_mismatch', message: 'sha-256 of the object is 00…' }, 422) : undefined) });
    await expect(uploadBlob(countingSource(file).source, opts(world)).done).rejects.toMatchObject({ code: 'digest_mismatch', status: 422, brokerMessage: 'sha-256 of the object is 00…' });
    expect(world.calls.at(-1)!.method).toBe('DELETE');
  });

  it('a complete whose answer was lost (the retry meets 409) is confirmed from the record', async () => {
    const file = randomBytes(3000);
    let completes = 0;
    const world = fakeV1(file, {
      broker: (call) => {
        if (!/\/complete/.test(call.path)) return undefined;
        if (++completes === 1) return undefined; // completes; the client is told 503 below instead
        return json({ error: 'conflict', message: 'upload uploads-1 is complete' }, 409);
      },
    });
    const lossy: typeof fetch = async (input, init) => {
      const res = await world.fetch(input, init);
      return /\/complete/.test(String(input)) && completes === 1 ? new Response('', { status: 503 }) : res;
    };
    const result = await uploadBlob(countingSource(file).source, opts({ fetch: lossy })).done;
    expect(result).toMatchObject({ id: 'uploads-1', sha256: sha256hex(file), verified: 'store' });
    expect(world.calls.map((c) => c.method + ' ' + c.path.split('?')[0]).slice(-3)).toEqual(['POST /uploads/uploads-1/complete', 'POST /uploads/uploads-1/complete', 'GET /uploads/uploads-1']);
  });

  it('a 409 from complete on an upload that is not complete is a failure', async () => {
    const file = randomBytes(2000);
    const world = fakeV1(file, { broker: (call) => (/\/complete/.test(call.path) ? json({ error: 'conflict', message: 'parts missing' }, 409) : undefined) });
    await expect(uploadBlob(countingSource(file).source, opts(world)).done).rejects.toMatchObject({ code: 'conflict', brokerMessage: 'parts missing' });
  });

  it('a file that changed while read (short read) fails with source_changed and the upload is destroyed', async () => {
    const file = randomBytes(3000);
    const world = fakeV1(file);
    const source = { name: 'f.bin', size: 3000, slice: async (a: number, b: number) => file.subarray(a, Math.min(b, 2500)) };
    await expect(uploadBlob(source, opts(world)).done).rejects.toMatchObject({ code: 'source_changed' });
    expect(world.calls.at(-1)!.method).toBe('DELETE');
    expect(world.calls.some((c) => /complete/.test(c.path))).toBe(false);
  });

  it('refuses a plan that does not cover the file', async () => {
    const file = randomBytes(3000);
    const world = fakeV1(file, { broker: (call) => (call.path === '/uploads' ? json({ id: 'uploads-1', upload_token: 't', strategy: 'multipart', part_size: 1000, part_count: 2, expires_at: 'x' }, 202) : undefined) });
    await expect(uploadBlob(countingSource(file).source, opts(world)).done).rejects.toMatchObject({ code: 'bad_response', message: expect.stringMatching(/multipart plan for 3000 bytes/) });
  });

  it('refuses a signing answer that lacks a part it asked for', async () => {
    const file = randomBytes(2000);
    const world = fakeV1(file, { broker: (call) => (/\/parts$/.test(call.path) ? json({ parts: [] }) : undefined) });
    await expect(uploadBlob(countingSource(file).source, opts(world)).done).rejects.toMatchObject({ code: 'bad_response', message: expect.stringMatching(/no signature for part 1/) });
  });

  it('refuses a malformed sha256 option before calling the broker', async () => {
    const world = fakeV1(randomBytes(10));
    await expect(uploadBlob(countingSource(randomBytes(10)).source, opts(world, { sha256: 'abc' })).done).rejects.toMatchObject({ code: 'bad_request' });
    expect(world.calls).toHaveLength(0);
  });
});
