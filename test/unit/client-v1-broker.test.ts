// The v1 broker client's reading of answers (status headers, redirects,
// malformed bodies, tokens), the batch signer's sense of expiry across clock
// skew, and the folder listing sync starts from.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { V1Client, listFolder } from '../../src/client/node.js';
import { BatchSigner } from '../../src/client/v1/batch-signer.js';
import { json } from './client-v1-fake.js';

function brokerAnswering(answer: (url: string, init: RequestInit) => Response) {
  const seen: Array<{ url: string; headers: Headers; method: string; redirect: RequestRedirect | undefined }> = [];
  const fetchFn: typeof fetch = async (input, init = {}) => {
    seen.push({ url: String(input), headers: new Headers(init.headers), method: init.method ?? 'GET', redirect: init.redirect });
    return answer(String(input), init);
  };
  return { client: (extra = {}) => new V1Client({ url: 'http://broker.test/', fetch: fetchFn, retryDelayMs: 1, headers: { 'X-API-Key': 'k' }, ...extra }), seen };
}

describe('V1Client', () => {
  it('reads GET /uploads/:id/status from its headers: Range → bytes stored, none → 0', async () => {
    let range: string | undefined = 'bytes=0-10485759';
    const { client } = brokerAnswering(() => new Response(null, { status: 204, headers: { 'Upload-ID': 'u1', 'Upload-Expires': '2030-01-01T00:00:00.000Z', ...(range ? { Range: range } : {}) } }));
    expect(await client().progress('u1')).toEqual({ id: 'u1', storedBytes: 10_485_760, expires: '2030-01-01T00:00:00.000Z' });
    range = undefined;
    expect(await client().progress('u1')).toMatchObject({ storedBytes: 0 });
    range = 'bytes=5-9';
    await expect(client().progress('u1')).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('reads the 303 of GET /blobs/:digest without following it (credentials must not reach the store)', async () => {
    const { client, seen } = brokerAnswering(() => new Response(null, { status: 303, headers: { Location: 'http://store.test/obj?sig=1' } }));
    expect(await client().blobUrl('ab'.repeat(32))).toBe('http://store.test/obj?sig=1');
    expect(seen[0]).toMatchObject({ url: `http://broker.test/api/v1/blobs/sha256:${'ab'.repeat(32)}`, redirect: 'manual' });
  });

  it('a blob the caller may not read is a 404 UploadError; a 200 instead of a redirect is a bad response', async () => {
    const missing = brokerAnswering(() => json({ error: 'not_found', message: 'no such blob' }, 404));
    await expect(missing.client().blobUrl('00'.repeat(32))).rejects.toMatchObject({ status: 404, code: 'not_found', brokerMessage: 'no such blob' });
    const odd = brokerAnswering(() => json({}));
    await expect(odd.client().blobUrl('00'.repeat(32))).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('sends an upload token as X-Upload-Token on an upload\'s routes, never on POST /uploads', async () => {
    const { client, seen } = brokerAnswering((url) => (url.endsWith('/uploads') ? json({ id: 'u', upload_token: 't', strategy: 'single', part_size: 1, part_count: 1, expires_at: 'x' }, 202) : new Response(null, { status: 204 })));
    const v1 = client({ uploadToken: 'tok' });
    await v1.initiate({ filename: 'a', size: 1 });
    await v1.destroy('u');
    expect(seen.map((s) => s.headers.get('x-upload-token'))).toEqual([null, 'tok']);
    expect(seen[1]).toMatchObject({ method: 'DELETE', url: 'http://broker.test/api/v1/uploads/u' });
  });

  it('refuses answers that are not API v1: initiate, session, session blob, complete', async () => {
    const { client } = brokerAnswering(() => json({ type: 'chunked_upload' }));
    await expect(client().initiate({ filename: 'a', size: 1 })).rejects.toMatchObject({ code: 'bad_response', message: expect.stringMatching(/POST \/uploads/) });
    await expect(client().createSession({ blobs: [] })).rejects.toMatchObject({ code: 'bad_response' });
    await expect(client().verifySessionBlob('s', 'ab'.repeat(32))).rejects.toMatchObject({ code: 'bad_response' });
    await expect(client().complete('u', 'ab'.repeat(32))).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('a session blob that is missing neither present nor given an upload is a bad response', async () => {
    const { client } = brokerAnswering(() => json({ uploadSessionId: 's', uploadToken: 't', blobs: [{ sha256: 'ab'.repeat(32), size: 1, alreadyPresent: false }] }, 201));
    await expect(client().createSession({ blobs: [{ sha256: 'ab'.repeat(32), size: 1 }] })).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('retries a 503 with Retry-After, then gives the broker\'s words', async () => {
    let calls = 0;
    const { client } = brokerAnswering(() => (++calls < 3 ? json({ error: 'unavailable', message: 'busy' }, 503, { 'Retry-After': '0' }) : json({ error: 'conflict', message: 'session is missing 1 blob(s): ab' }, 409)));
    await expect(client().completeSession('s')).rejects.toMatchObject({ status: 409, brokerMessage: 'session is missing 1 blob(s): ab' });
    expect(calls).toBe(3);
  });
});

describe('BatchSigner', () => {
  const signed = (number: number, expires: number) => ({ number, method: 'PUT', url: `u${number}`, headers: {}, expires_at: new Date(expires).toISOString() });

  it('reads a URL lifetime off the broker clock, so a client clock an hour fast still uses it', async () => {
    let now = 10_000_000 + 3_600_000; // local clock an hour ahead of the broker's
    const broker = 10_000_000;
    const signer = new BatchSigner({ sign: async (parts) => ({ parts: parts.map((p) => signed(p.number, broker + 300_000)), serverTime: broker }), signal: new AbortController().signal, now: () => now });
    const s = await signer.sign({ number: 1 });
    expect(signer.stale(s)).toBe(false);
    now += 294_000; // within the lifetime, short of the 5 s margin
    expect(signer.stale(s)).toBe(false);
    now += 2_000;
    expect(signer.stale(s)).toBe(true);
  });

  it('batches what is asked in one turn into one call, capped at maxBatch, and fails each waiter of a failed call', async () => {
    const calls: number[][] = [];
    let fail = false;
    const signer = new BatchSigner({
      sign: async (parts) => {
        calls.push(parts.map((p) => p.number));
        if (fail) throw new Error('refused');
        return { parts: parts.map((p) => signed(p.number, Date.now() + 60_000)) };
      },
      signal: new AbortController().signal,
      maxBatch: 2,
    });
    await Promise.all([1, 2, 3].map((number) => signer.sign({ number })));
    expect(calls).toEqual([[1, 2], [3]]);
    fail = true;
    const results = await Promise.allSettled([signer.sign({ number: 4 }), signer.sign({ number: 5 })]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});

describe('listFolder', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'signpost-folder-'));
    await mkdir(join(dir, 'b', 'c'), { recursive: true });
    await writeFile(join(dir, 'b', 'c', 'deep.txt'), 'x');
    await writeFile(join(dir, 'a.txt'), 'hello');
    await writeFile(join(dir, '.env'), 'SECRET=1');
    await mkdir(join(dir, '.cache'));
    await writeFile(join(dir, '.cache', 'x'), 'y');
    await symlink('/etc/hostname', join(dir, 'outside'));
    await symlink(join(dir, 'b'), join(dir, 'loop'));
    await writeFile(join(dir, 'manifest.json'), '{}');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("lists regular files by '/'-separated name, leaves out dotfiles, dot-folders, symbolic links and the excluded", async () => {
    const listing = await listFolder(dir, [join(dir, 'manifest.json')]);
    expect(listing.files.map((f) => [f.name, f.size])).toEqual([['a.txt', 5], ['b/c/deep.txt', 1]]);
    expect(listing.skipped).toEqual([
      { name: '.cache', reason: 'dot-folder' },
      { name: '.env', reason: 'dotfile' },
      { name: 'loop', reason: 'symbolic link' },
      { name: 'outside', reason: 'symbolic link' },
    ]);
  });

  it('a folder that does not exist is an ENOENT error', async () => {
    await expect(listFolder(join(dir, 'nope'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
