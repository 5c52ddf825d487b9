// syncFolder (the library behind `signpost sync`) against a real broker and
// store, for what only the library can time: a file that vanishes after the
// folder was listed, and one rewritten between its hashing and its upload.
import { randomBytes } from 'node:crypto';
import { unlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSource, syncFolder, uploadBlob, UploadError, V1Client, type SyncOptions } from '../../src/client/node.js';
import { freshStores, storageConfigs, USERS } from '../support/broker.js';
import { listeningBroker, type ListeningBroker } from './client-harness.js';

let main: ListeningBroker;
let scratch: string;

beforeAll(async () => {
  main = await listeningBroker({ storages: storageConfigs(await freshStores()) });
  scratch = await mkdtemp(join(tmpdir(), 'signpost-syncfolder-'));
});
afterAll(async () => {
  await main?.close();
  await rm(scratch, { recursive: true, force: true });
});

const options = (extra: Partial<SyncOptions> = {}): SyncOptions => ({ url: main.url, headers: { 'X-API-Key': USERS.alice.key }, retryDelayMs: 10, jobs: 1, ...extra });

async function folderOf(files: Record<string, Buffer>): Promise<string> {
  const dir = await mkdtemp(join(scratch, 'f-'));
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, name), bytes);
  return dir;
}

describe('syncFolder', () => {
  it('a blob already in the store before any sync (no manifest yet) is skipped and still gets an id in the manifest', async () => {
    const bytes = randomBytes(5000);
    const dir = await folderOf({ 'old.bin': bytes, 'new.bin': randomBytes(10) });
    const earlier = await uploadBlob(await fileSource(join(dir, 'old.bin')), { url: main.url, headers: { 'X-API-Key': USERS.alice.key } }).done;
    const result = await syncFolder(dir, options());
    expect(result.files.map((f) => [f.name, f.outcome])).toEqual([['new.bin', 'uploaded'], ['old.bin', 'present']]);
    const manifest = JSON.parse(await readFile(result.manifestPath!, 'utf8')) as Record<string, { id: string; sha256: string }>;
    expect(manifest['old.bin']!.sha256).toBe(earlier.sha256);
    // API v1 names no record for a present blob of a session: the id is the caller's own record of it.
    const record = await new V1Client({ url: main.url, headers: { 'X-API-Key': USERS.alice.key } }).record(manifest['old.bin']!.id);
    expect(record).toMatchObject({ state: 'complete', sha256: earlier.sha256 });
  });

  it('a file gone after the folder was listed fails alone; the others are sent; no manifest; a rerun completes', async () => {
    const dir = await folderOf({ 'a.bin': randomBytes(1000), 'b.bin': randomBytes(2000) });
    const result = await syncFolder(
      dir,
      options({
        observer: {
          file: (name, _size, phase) => {
            if (name === 'a.bin' && phase === 'hashing') unlinkSync(join(dir, 'b.bin'));
            return undefined;
          },
        },
      }),
    );
    expect(result.failures.map((f) => [f.name, (f.error as NodeJS.ErrnoException).code])).toEqual([['b.bin', 'ENOENT']]);
    expect(result.files.map((f) => [f.name, f.outcome])).toEqual([['a.bin', 'uploaded']]);
    expect(result.manifestPath).toBeUndefined();
    await expect(readFile(join(dir, '.signpost-manifest.json'))).rejects.toThrow(/ENOENT/);
    const rerun = await syncFolder(dir, options());
    expect(rerun.failures).toEqual([]);
    expect(rerun.files.map((f) => [f.name, f.outcome])).toEqual([['a.bin', 'present']]);
    expect(Object.keys(JSON.parse(await readFile(rerun.manifestPath!, 'utf8')) as object)).toEqual(['a.bin']);
  });

  it('a file rewritten after it was hashed is not sent as the blob it no longer is (source_changed)', async () => {
    const dir = await folderOf({ 'c.bin': randomBytes(3000) });
    const result = await syncFolder(
      dir,
      options({
        observer: {
          file: (name, size, phase) => {
            if (phase === 'uploading') writeFileSync(join(dir, name), randomBytes(size));
            return undefined;
          },
        },
      }),
    );
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]!.error).toBeInstanceOf(UploadError);
    expect(result.failures[0]!.error).toMatchObject({ code: 'source_changed' });
    expect(result.manifestPath).toBeUndefined();
  });
});
