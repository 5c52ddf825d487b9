// API v1's uploader against a fake broker and store: digests known beforehand, dedupe,
// sessions, cancel and pause (client-v1-upload.test.ts has the transfer, retries and refusals).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { uploadBlob, type BlobUploadOptions } from '../../src/client/node.js';
import { countingSource, fakeV1, sha256hex } from './client-v1-fake.js';

const opts = (world: { fetch: typeof fetch }, extra: Partial<BlobUploadOptions> = {}): BlobUploadOptions => ({ url: 'http://broker.test', fetch: world.fetch, retryDelayMs: 1, ...extra });

describe('v1 upload: digests known beforehand, already present, dedupe', () => {
  it('with a known sha256 an already_present answer ends it: nothing read, nothing sent, progress at 100%', async () => {
    const file = randomBytes(5000);
    const world = fakeV1(file, { present: [sha256hex(file)] });
    const { source, reads } = countingSource(file);
    const task = uploadBlob(source, opts(world, { sha256: sha256hex(file).toUpperCase() }));
    const progress: number[] = [];
    task.on('progress', (p) => progress.push(p.bytesDone));
    const result = await task.done;
    expect(result).toEqual({ id: 'uploads-present', fileName: 'f.bin', size: 5000, sha256: sha256hex(file), alreadyPresent: true, partsSent: 0, blob: { sha256: sha256hex(file), size: 5000, mime: 'application/octet-stream', key: 'k' } });
    expect(reads).toHaveLength(0);
    expect(world.storePuts).toHaveLength(0);
    expect(world.calls).toHaveLength(1);
    expect(world.calls[0]!.body).toMatchObject({ sha256: sha256hex(file) });
    expect(progress.at(-1)).toBe(5000);
    expect(task.state).toBe('complete');
  });

  it('with a known sha256 that the bytes no longer match, fails when the last part is read: it is never signed or sent, nor is complete called (source_changed)', async () => {
    const file = randomBytes(3000);
    const world = fakeV1(file);
    const wrong = sha256hex(randomBytes(10));
    await expect(uploadBlob(countingSource(file).source, opts(world, { sha256: wrong })).done).rejects.toMatchObject({ code: 'source_changed', message: expect.stringMatching(wrong) });
    expect(world.signings.has(3)).toBe(false);
    expect(world.storePuts.some((p) => p.part === 3)).toBe(false);
    expect(world.calls.some((c) => /complete/.test(c.path))).toBe(false);
    expect(world.calls.at(-1)!.method).toBe('DELETE');
  });

  it('dedupe: true hashes the file first (hashing events), so a present blob costs one read and no part', async () => {
    const file = randomBytes(5000);
    const world = fakeV1(file, { present: [sha256hex(file)] });
    const { source, bytesRead } = countingSource(file);
    const task = uploadBlob(source, opts(world, { dedupe: true }));
    const states: string[] = [];
    const hashed: number[] = [];
    task.on('state', (s) => states.push(s)).on('hashing', (h) => hashed.push(h.bytesHashed));
    const result = await task.done;
    expect(result.alreadyPresent).toBe(true);
    expect(states).toEqual(['hashing', 'uploading', 'complete']);
    expect(hashed.at(-1)).toBe(5000);
    expect(bytesRead()).toBe(5000);
  });

  it('dedupe: true on a new file reads it twice (hash, then send) and still checks the two agree', async () => {
    const file = randomBytes(5000);
    const world = fakeV1(file);
    const { source, bytesRead } = countingSource(file);
    const result = await uploadBlob(source, opts(world, { dedupe: true })).done;
    expect(result).toMatchObject({ alreadyPresent: false, sha256: sha256hex(file) });
    expect(bytesRead()).toBe(10_000);
    expect(world.calls[0]!.body).toMatchObject({ sha256: sha256hex(file) });
  });

  it('a session blob skips POST /uploads and is finished by PUT /upload-sessions/:sid/blobs/:sha256 with the session token', async () => {
    const file = randomBytes(2500);
    const world = fakeV1(file);
    const session = { id: 'sess-1', uploadToken: 'sess-tok', upload: { id: 'uploads-1', strategy: 'multipart' as const, part_size: 1000, part_count: 3 } };
    const result = await uploadBlob(countingSource(file).source, opts(world, { session, sha256: sha256hex(file) })).done;
    expect(result).toMatchObject({ id: 'uploads-1', alreadyPresent: false, sha256: sha256hex(file), partsSent: 3, blob: { key: 'k' } });
    expect(world.calls.map((c) => `${c.method} ${c.path}`)).toEqual([...world.signCalls().map(() => 'POST /uploads/uploads-1/parts'), `PUT /upload-sessions/sess-1/blobs/${sha256hex(file)}`]);
    expect(world.calls.every((c) => c.headers.get('x-upload-token') === 'sess-tok')).toBe(true);
  });
});

describe('v1 upload: cancel and pause', () => {
  it('cancel aborts the parts in flight and destroys the upload', async () => {
    const file = randomBytes(20_000);
    const world = fakeV1(file, { storeDelayMs: 50 });
    const task = uploadBlob(countingSource(file).source, opts(world, { parallel: 2 }));
    task.once('part', () => void task.cancel());
    await expect(task.done).rejects.toMatchObject({ code: 'cancelled' });
    expect(task.state).toBe('cancelled');
    expect(world.calls.at(-1)).toMatchObject({ method: 'DELETE', path: '/uploads/uploads-1' });
    expect(world.calls.some((c) => /complete/.test(c.path))).toBe(false);
  });

  it('an aborted signal cancels it too', async () => {
    const file = randomBytes(3000);
    const world = fakeV1(file, { storeDelayMs: 50 });
    const controller = new AbortController();
    const task = uploadBlob(countingSource(file).source, opts(world, { signal: controller.signal }));
    task.once('state', () => controller.abort());
    await expect(task.done).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('pause aborts the parts in flight; resume sends them again, still from the one read', async () => {
    const file = randomBytes(8000);
    const world = fakeV1(file, { storeDelayMs: 30 });
    const { source, reads, readOnce } = countingSource(file);
    const task = uploadBlob(source, opts(world, { parallel: 2 }));
    const states: string[] = [];
    task.on('state', (s) => states.push(s));
    const paused = new Promise<void>((resolve) => task.once('part', () => (task.pause(), resolve())));
    await paused;
    const putsWhilePaused = world.storePuts.length;
    // Parts aborted by the pause land as status 0; none starts until resume.
    await new Promise((r) => setTimeout(r, 100));
    expect(world.storePuts.length).toBe(putsWhilePaused);
    task.resume();
    const result = await task.done;
    expect(result.sha256).toBe(sha256hex(file));
    expect(states).toEqual(['uploading', 'paused', 'uploading', 'finishing', 'complete']);
    expect(world.assembled().equals(file)).toBe(true);
    expect(reads).toHaveLength(8);
    expect(readOnce()).toBe(true);
  });
});
