// The client library against a real broker on a loopback port and real stores
// (Swift's S3 API, Azurite): direct and chunked uploads with byte comparison,
// resume, expired signatures, a store 500, corruption in flight, pause/resume,
// cancel and broker refusals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSource, upload, UploadError, type UploadOptions, type UploadState } from '../../src/client/node.js';
import { freshStores, storageConfigs, USERS, type TestStores } from '../support/broker.js';
import { listeningBroker, MiB, tempFiles, watchedFetch, type ListeningBroker, type TempFiles } from './client-harness.js';
import { untilExpired } from '../support/url-expiry.js';

const alice = { 'X-API-Key': USERS.alice.key };
let stores: TestStores;
let files: TempFiles;
let main: ListeningBroker;

beforeAll(async () => {
  stores = await freshStores();
  files = await tempFiles();
  main = await listeningBroker({ storages: storageConfigs(stores) });
});
afterAll(async () => {
  await main?.close();
  await files?.remove();
});

const options = (target: ListeningBroker, storageId: string, extra: Partial<UploadOptions> = {}): UploadOptions => ({
  url: target.url,
  headers: alice,
  storageId,
  retryDelayMs: 50,
  ...extra,
});

describe.each(['s3', 'azure'])('client uploads to %s', (storageId) => {
  const residence = storageId === 's3' ? 'AmazonS3' : 'AzureStorage';
  // The broker's part plan for this storage, as GET /new states it (domain/part-plan.ts and the storage's part policy decide it).
  const partCount = async (size: number): Promise<number> => (await main.broker.as('alice').get(`/new?file_name=plan.bin&file_size=${size}&storage_id=${storageId}`)).body.part_count as number;

  it('sends a small file in one PUT and the object is byte-identical', async () => {
    const { path, bytes } = await files.make(`small-${storageId}.bin`, 1 * MiB + 3);
    const result = await upload(await fileSource(path), options(main, storageId)).done;
    expect(result).toMatchObject({ residence, size: bytes.length, resumed: false, partsSent: 1, partsSkipped: 0 });
    expect((await main.broker.as('alice').download(result.uploadId)).equals(bytes)).toBe(true);
  });

  it('sends a large file in parallel parts with progress and states, byte-identical', async () => {
    const { path, bytes } = await files.make(`large-${storageId}.bin`, 13 * MiB + 17);
    const task = upload(await fileSource(path), options(main, storageId, { parallel: 3 }));
    const states: UploadState[] = [];
    const done: number[] = [];
    task.on('state', (s) => states.push(s)).on('progress', (p) => done.push(p.bytesDone));
    const result = await task.done;
    expect(states).toEqual(['hashing', 'uploading', 'finishing', 'complete']);
    expect(result).toMatchObject({ partsSent: await partCount(bytes.length), partsSkipped: 0, resumed: false });
    expect(result.partsSent).toBeGreaterThanOrEqual(3); // enough parts for parallel 3 to matter
    expect(done.at(-1)).toBe(bytes.length);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect((await main.broker.as('alice').download(result.uploadId)).equals(bytes)).toBe(true);
    const status = await main.broker.as('alice').get(`/${result.uploadId}`);
    expect(status.body.state).toBe('complete');
  });

  it('uploads a Blob (the browser path) the same way', async () => {
    const { bytes } = await files.make(`blob-${storageId}.bin`, 7 * MiB);
    const result = await upload(new File([new Uint8Array(bytes)], `blob-${storageId}.bin`), options(main, storageId)).done;
    expect((await main.broker.as('alice').download(result.uploadId)).equals(bytes)).toBe(true);
  });

  it('resumes an upload that failed midway: only the missing parts are sent', async () => {
    const { path, bytes } = await files.make(`resume-${storageId}.bin`, 17 * MiB);
    // The store "fails" the third part for good: the first run gives up.
    const failing = watchedFetch(main.url, async (call) => (call.kind === 'part' && call.index === 2 ? new Response('gone', { status: 500 }) : undefined));
    const first = upload(await fileSource(path), options(main, storageId, { parallel: 1, retries: 0, fetch: failing.fetch }));
    await expect(first.done).rejects.toMatchObject({ code: 'store_rejected', status: 500 });
    const second = await upload(await fileSource(path), options(main, storageId, { parallel: 1 })).done;
    expect(second).toMatchObject({ resumed: true, partsSkipped: 2, partsSent: (await partCount(bytes.length)) - 2 });
    expect(second.uploadId).toBe(first.uploadId);
    expect((await main.broker.as('alice').download(second.uploadId)).equals(bytes)).toBe(true);
  });

  it('retries a part the store answered 500 once', async () => {
    const { path, bytes } = await files.make(`flaky-${storageId}.bin`, 11 * MiB);
    const store = watchedFetch(main.url, async (call) => (call.kind === 'part' && call.index === 0 ? new Response('<Error><Code>InternalError</Code></Error>', { status: 500 }) : undefined));
    const task = upload(await fileSource(path), options(main, storageId, { fetch: store.fetch }));
    const retries: unknown[] = [];
    task.on('part', (e) => e.status === 'retry' && retries.push(e));
    const result = await task.done;
    // Parts race with parallel 4: whichever PUT came first got the 500.
    expect(retries).toEqual([{ part: expect.any(Number), status: 'retry', attempt: 1, reason: 'transient' }]);
    expect(store.of('part').map((c) => c.status)).toContain(500);
    expect((await main.broker.as('alice').download(result.uploadId)).equals(bytes)).toBe(true);
  });

  it('a part corrupted in flight is refused by the store (400) and sent again from the file', async () => {
    const { path, bytes } = await files.make(`corrupt-${storageId}.bin`, 11 * MiB);
    const store = watchedFetch(main.url, async (call, init) => {
      if (call.kind === 'part' && call.index === 0) {
        const body = new Uint8Array(init.body as Uint8Array); // a copy: the client's buffer stays intact
        body[12345] = body[12345]! ^ 0xff;
        init.body = body;
      }
      return undefined;
    });
    const task = upload(await fileSource(path), options(main, storageId, { fetch: store.fetch, parallel: 1 }));
    const reasons: string[] = [];
    task.on('part', (e) => e.status === 'retry' && reasons.push(e.reason ?? ''));
    const result = await task.done;
    expect(store.of('part')[0]?.status).toBe(400);
    expect(reasons).toEqual(['corrupted']);
    expect((await main.broker.as('alice').download(result.uploadId)).equals(bytes)).toBe(true);
  });

  it('asks for a fresh signature when one expired before the part was sent', async () => {
    const shortLived = await listeningBroker({ storages: storageConfigs(stores), limits: { partUrlExpirySeconds: 2 } });
    try {
      const { path, bytes } = await files.make(`expiry-${storageId}.bin`, 11 * MiB);
      const store = watchedFetch(shortLived.url, async (call) => {
        if (call.kind === 'part' && call.index === 0) await untilExpired(call.url);
        return undefined;
      });
      const task = upload(await fileSource(path), options(shortLived, storageId, { fetch: store.fetch, parallel: 1 }));
      const reasons: string[] = [];
      task.on('part', (e) => e.status === 'retry' && reasons.push(`${e.part}: ${e.reason ?? ''}`));
      const result = await task.done;
      expect(store.of('part')[0]?.status).toBe(403);
      expect(reasons).toEqual(['1: signature_expired']);
      expect(shortLived.partPatches().filter((r) => r.part === 1)).toHaveLength(2);
      expect((await shortLived.broker.as('alice').download(result.uploadId)).equals(bytes)).toBe(true);
    } finally {
      await shortLived.close();
    }
  });
});

describe.each(['s3', 'azure'])('client direct upload to %s', (storageId) => {
  it('a whole-file signature that expired is renewed by POSTing again (same upload)', async () => {
    // The direct PUT's lifetime is maxUploadExpiryMinutes; 0.02 min rounds to the 1-second minimum.
    const shortLived = await listeningBroker({ storages: storageConfigs(stores), limits: { maxUploadExpiryMinutes: 0.02 } });
    try {
      const { path, bytes } = await files.make(`direct-expiry-${storageId}.bin`, 300_000);
      const store = watchedFetch(shortLived.url, async (call) => {
        if (call.kind === 'direct' && call.index === 0) await untilExpired(call.url);
        return undefined;
      });
      const result = await upload(await fileSource(path), options(shortLived, storageId, { fetch: store.fetch })).done;
      expect(store.of('direct').map((c) => c.status)).toEqual([403, storageId === 's3' ? 200 : 201]);
      expect(shortLived.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
      expect((await shortLived.broker.as('alice').download(result.uploadId)).equals(bytes)).toBe(true);
    } finally {
      await shortLived.close();
    }
  });
});

describe('client control', () => {
  it('pauses (nothing is sent) and resumes to completion', async () => {
    const { path, bytes } = await files.make('pause.bin', 26 * MiB);
    // What the client itself starts while paused, broker calls and store PUTs alike. (Counting at
    // the broker would also count a signature asked for ahead whose request was on the wire when
    // the pause aborted it.)
    let paused = false;
    let requestsWhilePaused = 0;
    const counting: typeof fetch = (input, init) => {
      if (paused) requestsWhilePaused++;
      return fetch(input, init);
    };
    const task = upload(await fileSource(path), options(main, 's3', { parallel: 1, fetch: counting }));
    let partsWhilePaused = 0;
    task.on('part', (e) => {
      if (paused && e.status === 'done') partsWhilePaused++;
      if (e.part === 1 && e.status === 'done') {
        task.pause();
        paused = true;
      }
    });
    await new Promise<void>((resolve) => task.on('state', (s) => s === 'paused' && resolve()));
    // A window in which nothing may happen: there is no event to wait for.
    await new Promise((r) => setTimeout(r, 600));
    expect(task.state).toBe('paused');
    expect(requestsWhilePaused).toBe(0);
    paused = false;
    task.resume();
    const result = await task.done;
    expect(partsWhilePaused).toBe(0);
    expect((await main.broker.as('alice').download(result.uploadId)).equals(bytes)).toBe(true);
  });

  it('cancel stops the upload and DELETEs it: the broker marks it aborted', async () => {
    const { path } = await files.make('cancel.bin', 26 * MiB);
    const task = upload(await fileSource(path), options(main, 'azure', { parallel: 1 }));
    task.on('part', (e) => e.part === 1 && e.status === 'done' && void task.cancel());
    await expect(task.done).rejects.toMatchObject({ code: 'cancelled' });
    expect(task.state).toBe('cancelled');
    const status = await main.broker.as('alice').get(`/${task.uploadId}`);
    expect(status.body.state).toBe('aborted');
    expect(main.requests.some((r) => r.method === 'DELETE' && r.path === `/api/engine/v2/uploads/${task.uploadId}`)).toBe(true);
  });

  it('an AbortSignal cancels like cancel()', async () => {
    const { path } = await files.make('signal.bin', 11 * MiB);
    const controller = new AbortController();
    const task = upload(await fileSource(path), options(main, 's3', { signal: controller.signal, parallel: 1 }));
    task.on('part', () => controller.abort());
    await expect(task.done).rejects.toMatchObject({ code: 'cancelled' });
    expect(task.state).toBe('cancelled');
    // Like cancel(): the upload is DELETEd on the broker, not left open.
    expect(task.uploadId).toMatch(/^uploads-/);
    expect(main.requests.some((r) => r.method === 'DELETE' && r.path === `/api/engine/v2/uploads/${task.uploadId}`)).toBe(true);
    expect((await main.broker.as('alice').get(`/${task.uploadId}`)).body.state).toBe('aborted');
  });
});

describe('client errors', () => {
  it("a refusal by the broker is an UploadError with the broker's code and message", async () => {
    const { url, close } = await listeningBroker({ storages: storageConfigs(stores, { s3: { filters: { extensions: ['jpg'] } } }) });
    try {
      const { path } = await files.make('refused.exe', 1000);
      const error = await upload(await fileSource(path), { url, headers: alice, storageId: 's3' }).done.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UploadError);
      expect(error).toMatchObject({ status: 400, code: 'invalid_file', retryable: false });
      expect((error as UploadError).brokerMessage).toMatch(/exe|extension/i);
    } finally {
      await close();
    }
  });

  it('a large file the broker will refuse is refused before it is hashed (GET /new)', async () => {
    const { url, requests, close } = await listeningBroker({ storages: storageConfigs(stores, { s3: { filters: { extensions: ['jpg'] } } }) });
    try {
      const { path } = await files.make('big-refused.exe', 9 * MiB);
      const task = upload(await fileSource(path), { url, headers: alice, storageId: 's3' });
      let hashed = 0;
      task.on('hashing', () => hashed++);
      await expect(task.done).rejects.toMatchObject({ status: 400, code: 'invalid_file' });
      expect(hashed).toBe(0);
      expect(requests.map((r) => r.method)).toEqual(['GET']);
    } finally {
      await close();
    }
  });

  it('bad credentials are a 401 UploadError, not retried', async () => {
    const { path } = await files.make('nokey.bin', 1000);
    const before = main.requests.length;
    const error = await upload(await fileSource(path), { url: main.url, headers: { 'X-API-Key': 'wrong-key-000000000000' } }).done.catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(main.requests.length - before).toBe(1);
  });

  it('an unreachable broker fails with a network error after its retries', async () => {
    const { path } = await files.make('nobroker.bin', 1000);
    const error = await upload(await fileSource(path), { url: 'http://127.0.0.1:9', retries: 1, retryDelayMs: 10 }).done.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'network', retryable: true });
  });
});
