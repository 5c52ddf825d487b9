// The v1 client (uploadBlob) against a real broker on a loopback port and real
// stores (Swift's S3 API, Azurite): multipart and single uploads end complete
// with the file's SHA-256 and the bytes read back equal; the file is read once;
// parts are signed in batches; a second identical upload is skipped
// (already_present); an expired URL and a part damaged in flight are handled
// by the real store's refusals; broker refusals reach the caller.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSource, uploadBlob, V1Client, type BlobUploadOptions, type UploadSource, type UploadState } from '../../src/client/node.js';
import { freshStores, storageConfigs, USERS, type TestStores } from '../support/broker.js';
import { sha256Hex } from '../support/v1-driver.js';
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

const options = (target: ListeningBroker, storageId: string, extra: Partial<BlobUploadOptions> = {}): BlobUploadOptions => ({ url: target.url, headers: alice, storageId, retryDelayMs: 50, ...extra });

/** The bytes behind GET /api/v1/blobs/sha256:<hex> (a 303 to a presigned GET, fetched without credentials). */
async function readBack(target: ListeningBroker, sha256: string): Promise<Buffer> {
  const url = await new V1Client({ url: target.url, headers: alice }).blobUrl(sha256);
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** A file on disk whose byte ranges read are counted. */
async function countedFile(path: string): Promise<{ source: UploadSource; bytesRead: () => number }> {
  const inner = await fileSource(path);
  let read = 0;
  return {
    source: { ...inner, slice: async (a, b) => ((read += b - a), inner.slice(a, b)) },
    bytesRead: () => read,
  };
}

const signings = (target: ListeningBroker, id: string) => target.requests.filter((r) => r.method === 'POST' && r.path === `/api/v1/uploads/${id}/parts`);

describe.each(['s3', 'azure'])('v1 client uploads to %s', (storageId) => {
  it('sends a multipart file in parallel, reading it once and signing in batches: complete, the right SHA-256, the bytes read back', async () => {
    const { path, bytes } = await files.make(`v1-large-${storageId}.bin`, 23 * MiB + 17);
    const { source, bytesRead } = await countedFile(path);
    const store = watchedFetch(main.url);
    const task = uploadBlob(source, options(main, storageId, { parallel: 3, fetch: store.fetch }));
    const states: UploadState[] = [];
    const progress: number[] = [];
    task.on('state', (s) => states.push(s)).on('progress', (p) => progress.push(p.bytesDone));
    const result = await task.done;
    expect(result).toMatchObject({ fileName: `v1-large-${storageId}.bin`, size: bytes.length, sha256: sha256Hex(bytes), alreadyPresent: false });
    expect(['store', 'read-back']).toContain(result.verified);
    expect(states).toEqual(['uploading', 'finishing', 'complete']);
    expect(progress.at(-1)).toBe(bytes.length);
    expect(bytesRead()).toBe(bytes.length); // one read of the file
    expect(result.partsSent).toBeGreaterThanOrEqual(5);
    expect(store.of('part')).toHaveLength(result.partsSent);
    expect(signings(main, result.id).length).toBeLessThan(result.partsSent);
    const record = await new V1Client({ url: main.url, headers: alice }).record(result.id);
    expect(record).toMatchObject({ id: result.id, state: 'complete', sha256: sha256Hex(bytes), size: bytes.length, strategy: 'multipart', storage_id: storageId });
    expect((await readBack(main, result.sha256)).equals(bytes)).toBe(true);
  });

  it('a second identical upload is skipped: already_present, nothing signed, nothing sent to the store', async () => {
    const { path, bytes } = await files.make(`v1-twice-${storageId}.bin`, 11 * MiB + 5);
    const first = await uploadBlob(await fileSource(path), options(main, storageId, { dedupe: true })).done;
    expect(first.alreadyPresent).toBe(false);
    const store = watchedFetch(main.url);
    const before = main.requests.length;
    const second = await uploadBlob(await fileSource(path), options(main, storageId, { dedupe: true, fetch: store.fetch })).done;
    expect(second).toMatchObject({ alreadyPresent: true, sha256: sha256Hex(bytes), size: bytes.length, partsSent: 0, blob: { sha256: sha256Hex(bytes), size: bytes.length } });
    expect(second.id).not.toBe(first.id); // a record of its own, sharing the stored object
    expect(store.calls).toHaveLength(0);
    expect(main.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/v1/uploads']);
    expect((await readBack(main, second.sha256)).equals(bytes)).toBe(true);
  });

  it('sends a small file in one request (single strategy), byte-identical', async () => {
    const { path, bytes } = await files.make(`v1-small-${storageId}.txt`, 300_000);
    const result = await uploadBlob(await fileSource(path), options(main, storageId)).done;
    expect(result).toMatchObject({ partsSent: 1, sha256: sha256Hex(bytes) });
    expect(await new V1Client({ url: main.url, headers: alice }).record(result.id)).toMatchObject({ strategy: 'single', state: 'complete', mime: 'text/plain' });
    expect((await readBack(main, result.sha256)).equals(bytes)).toBe(true);
  });

  it('a part damaged in flight is refused by the store (400) and the same bytes go again', async () => {
    const { path, bytes } = await files.make(`v1-corrupt-${storageId}.bin`, 9 * MiB);
    const store = watchedFetch(main.url, async (call, init) => {
      if (call.kind === 'part' && call.index === 0) {
        const body = new Uint8Array(init.body as Uint8Array); // a copy: the client's bytes stay intact
        body[4321] = body[4321]! ^ 0xff;
        init.body = body;
      }
      return undefined;
    });
    const task = uploadBlob(await fileSource(path), options(main, storageId, { fetch: store.fetch, parallel: 1 }));
    const reasons: string[] = [];
    task.on('part', (e) => e.status === 'retry' && reasons.push(e.reason ?? ''));
    const result = await task.done;
    expect(store.of('part')[0]?.status).toBe(400);
    expect(reasons).toEqual(['corrupted']);
    expect((await readBack(main, result.sha256)).equals(bytes)).toBe(true);
  });

  it('a URL that expired before it was sent is refused by the store (403) and signed again', async () => {
    const shortLived = await listeningBroker({ storages: storageConfigs(stores), limits: { partUrlExpirySeconds: 2 } });
    try {
      const { path, bytes } = await files.make(`v1-expiry-${storageId}.bin`, 11 * MiB);
      // Hold the first part's request until its URL has lapsed by the store's own reckoning.
      const store = watchedFetch(shortLived.url, async (call) => {
        if (call.kind === 'part' && call.index === 0) await untilExpired(call.url);
        return undefined;
      });
      const task = uploadBlob(await fileSource(path), options(shortLived, storageId, { fetch: store.fetch, parallel: 1 }));
      const reasons: string[] = [];
      task.on('part', (e) => e.status === 'retry' && reasons.push(e.reason ?? ''));
      const result = await task.done;
      expect(store.of('part')[0]?.status).toBe(403);
      expect(reasons).toContain('signature_expired');
      expect((await readBack(shortLived, result.sha256)).equals(bytes)).toBe(true);
    } finally {
      await shortLived.close();
    }
  });
});

describe('v1 client: refusals', () => {
  it("fails with the broker's code and words on bad credentials, and on a storage that refuses the file", async () => {
    const { path } = await files.make('v1-refused.bin', 1000);
    await expect(uploadBlob(await fileSource(path), { url: main.url, headers: { 'X-API-Key': 'not-a-key-00000000000' }, retries: 0 }).done).rejects.toMatchObject({ status: 401, brokerMessage: expect.any(String) });
    await expect(uploadBlob(await fileSource(path), options(main, 'nowhere')).done).rejects.toMatchObject({ status: 400, code: 'bad_request', brokerMessage: expect.stringMatching(/nowhere/) });
  });

  it('a known SHA-256 that is not the file\'s fails before complete and leaves nothing', async () => {
    const { path } = await files.make('v1-wrong-digest.bin', 7 * MiB);
    const task = uploadBlob(await fileSource(path), options(main, 's3', { sha256: sha256Hex(Buffer.from('something else')) }));
    await expect(task.done).rejects.toMatchObject({ code: 'source_changed' });
    const record = await new V1Client({ url: main.url, headers: alice }).record(task.uploadId!);
    expect(record).toMatchObject({ state: 'aborted', verified: null, stored_bytes: 0 }); // destroyed: the store's multipart upload is gone
  });
});
