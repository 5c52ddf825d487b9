import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64ToHex, HASH_CHUNK, md5OfBytes, streamMd5 } from '../../src/client/hasher.js';
import { fileSource } from '../../src/client/node.js';
import { blobSource, readRange, toSource, withCachedRange } from '../../src/client/source.js';
import type { UploadSource } from '../../src/client/types.js';

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('base64');
let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'signpost-client-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('client sources and hashing', () => {
  it('adapts a Blob/File, reading only the ranges asked for', async () => {
    const bytes = randomBytes(1000);
    const file = new File([bytes], 'photo.jpg', { type: 'image/jpeg' });
    const source = toSource(file);
    expect(source).toMatchObject({ name: 'photo.jpg', size: 1000, type: 'image/jpeg', blob: file });
    expect(Buffer.from(await source.slice(10, 20))).toEqual(bytes.subarray(10, 20));
    expect(blobSource(new Blob([bytes])).name).toBe('blob');
  });

  it('passes a ready-made UploadSource through', () => {
    const source: UploadSource = { name: 'x', size: 0, slice: async () => new Uint8Array() };
    expect(toSource(source)).toBe(source);
  });

  it('streams MD5 across chunk boundaries, equal to a one-shot digest', async () => {
    const bytes = randomBytes(HASH_CHUNK * 2 + 12345);
    let reported = 0;
    const source = blobSource(new Blob([bytes]));
    expect(await streamMd5(source, 0, bytes.length, (n) => (reported += n))).toBe(md5(bytes));
    expect(reported).toBe(bytes.length);
    expect(await streamMd5(source, 100, HASH_CHUNK + 200)).toBe(md5(bytes.subarray(100, HASH_CHUNK + 200)));
    expect(await streamMd5(source, 0, 0)).toBe(md5(new Uint8Array()));
    expect(await md5OfBytes(bytes)).toBe(md5(bytes));
    expect(base64ToHex(md5(bytes))).toBe(createHash('md5').update(bytes).digest('hex'));
  });

  it('answers reads inside a cached part from memory and others from the source', async () => {
    let reads = 0;
    const whole = randomBytes(100);
    const source: UploadSource = { name: 'x', size: 100, slice: async (a, b) => (reads++, whole.subarray(a, b)) };
    const cached = withCachedRange(source, 20, whole.subarray(20, 50));
    expect(Buffer.from(await cached.slice(25, 30))).toEqual(whole.subarray(25, 30));
    expect(reads).toBe(0);
    await cached.slice(40, 60);
    expect(reads).toBe(1);
  });

  it('refuses a short read', async () => {
    const source: UploadSource = { name: 'x', size: 10, slice: async () => new Uint8Array(3) };
    await expect(readRange(source, 0, 10)).rejects.toMatchObject({ code: 'source_changed' });
  });

  it('fileSource reads ranges of a file on disk and notices when it changes', async () => {
    const path = join(dir, 'data.bin');
    const bytes = randomBytes(3 * 1024 * 1024 + 7);
    await writeFile(path, bytes);
    const source = await fileSource(path);
    expect(source).toMatchObject({ name: 'data.bin', size: bytes.length });
    expect(Buffer.from(await source.slice(1024 * 1024, 2 * 1024 * 1024 + 3))).toEqual(bytes.subarray(1024 * 1024, 2 * 1024 * 1024 + 3));
    expect(await streamMd5(source, 0, source.size)).toBe(md5(bytes));
    await appendFile(path, 'more');
    await expect(source.slice(0, 10)).rejects.toMatchObject({ code: 'source_changed' });
  });

  it('fileSource guesses the MIME type from the extension', async () => {
    const path = join(dir, 'notes.txt');
    await writeFile(path, 'hello');
    expect((await fileSource(path)).type).toBe('text/plain');
  });
});
