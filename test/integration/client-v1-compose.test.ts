// compose() and `signpost compose` against a real broker (Redis state) and
// real stores: two blobs put into Swift with the v1 client, then new blobs
// composed of their ranges by S3 UploadPartCopy, whose bytes read back equal
// the concatenated ranges; the broker's refusals (a source the caller may not
// read, ranges only it can judge, a wrong digest, another storage) reach the
// caller as UploadErrors with its code and words; Azurite, which lacks Azure's
// Put Block From URL, surfaces as the broker's 502 naming it.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compose, UploadError, uploadBlob, V1Client, type ComposeOptions, type ComposeRange } from '../../src/client/node.js';
import { freshStores, redisRepository, storageConfigs, USERS } from '../support/broker.js';
import { listeningBroker, MiB, type ListeningBroker } from './client-harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const alice = { 'X-API-Key': USERS.alice.key };
const bob = { 'X-API-Key': USERS.bob.key };
let main: ListeningBroker;
/** Alice's blobs in Swift: a (12 MiB) and b (9 MiB + 5), with b's upload id. */
let a: Buffer;
let b: Buffer;
let bUploadId: string;

const options = (extra: Partial<ComposeOptions> = {}): ComposeOptions => ({ url: main.url, headers: alice, filename: 'composed.mp4', storageId: 's3', retryDelayMs: 10, ...extra });

async function put(bytes: Buffer, name: string, storageId: string): Promise<string> {
  const result = await uploadBlob(new Blob([new Uint8Array(bytes)]), { url: main.url, headers: alice, storageId, retryDelayMs: 10 }).done;
  expect(result, name).toMatchObject({ sha256: sha256(bytes), alreadyPresent: false });
  return result.id;
}

/** GET /api/v1/blobs/sha256:<hex> → 303 → the presigned GET, fetched without credentials. */
async function readBack(digest: string): Promise<Buffer> {
  const res = await fetch(await new V1Client({ url: main.url, headers: alice }).blobUrl(digest));
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** The upload ids compose created since request `from`, and whether each was destroyed. */
function composedSince(from: number) {
  // A retried copy is the same upload.
  const created = [...new Set(main.requests.slice(from).flatMap((r) => /^\/api\/v1\/uploads\/([^/]+)\/parts\/1\/copy$/.exec(r.path)?.[1] ?? []))];
  const destroyed = main.requests.slice(from).filter((r) => r.method === 'DELETE').map((r) => r.path.split('/').at(-1));
  return created.map((id) => ({ id, destroyed: destroyed.includes(id) }));
}

beforeAll(async () => {
  const stores = await freshStores();
  main = await listeningBroker({ storages: storageConfigs(stores), repo: redisRepository() });
  a = randomBytes(12 * MiB);
  b = randomBytes(9 * MiB + 5);
  await put(a, 'a', 's3');
  bUploadId = await put(b, 'b', 's3');
});
afterAll(async () => {
  await main?.close();
});

describe('compose (client library) on Swift', () => {
  it('composes one range (a trimmed video): a one-part multipart upload the store fills by copy', async () => {
    const trimmed = a.subarray(2 * MiB, 5 * MiB + 7);
    const result = await compose([{ sha256: sha256(a), first: 2 * MiB, last: 5 * MiB + 6 }], options());
    expect(result).toMatchObject({ sha256: sha256(trimmed), size: trimmed.length });
  });

  it('composes ranges of two blobs, by digest and by upload id: the bytes read back equal the concatenated ranges; the broker establishes the SHA-256', async () => {
    const ranges: ComposeRange[] = [
      { sha256: sha256(a), first: MiB, last: 7 * MiB - 1 },
      { uploadId: bUploadId, first: 0, last: 6 * MiB - 1 },
      { sha256: sha256(b), first: 8 * MiB, last: 9 * MiB + 4 },
    ];
    const expected = Buffer.concat([a.subarray(MiB, 7 * MiB), b.subarray(0, 6 * MiB), b.subarray(8 * MiB)]);
    const result = await compose(ranges, options());
    expect(result).toEqual({ id: expect.any(String), sha256: sha256(expected), size: expected.length, verified: 'read-back' });
    expect((await readBack(result.sha256)).equals(expected)).toBe(true);
    const record = await new V1Client({ url: main.url, headers: alice }).record(result.id);
    expect(record).toMatchObject({ state: 'complete', filename: 'composed.mp4', size: expected.length, part_count: 3, part_size: 6 * MiB, storage_id: 's3' });
  });

  it('completes with the digest the caller gives; a wrong one is the broker\'s 422 and the upload is destroyed', async () => {
    const ranges: ComposeRange[] = [
      { sha256: sha256(b), first: 0, last: 5 * MiB - 1 },
      { sha256: sha256(a), first: 10 * MiB, last: 12 * MiB - 1 },
    ];
    const expected = Buffer.concat([b.subarray(0, 5 * MiB), a.subarray(10 * MiB)]);
    const result = await compose(ranges, options({ sha256: sha256(expected) }));
    expect(result).toMatchObject({ sha256: sha256(expected), size: expected.length });
    expect((await readBack(result.sha256)).equals(expected)).toBe(true);

    const from = main.requests.length;
    const wrong = compose(ranges, options({ sha256: sha256(a) }));
    await expect(wrong).rejects.toBeInstanceOf(UploadError);
    await expect(wrong).rejects.toMatchObject({ status: 422, code: 'verification_failed' });
    expect(composedSince(from)).toEqual([{ id: expect.any(String), destroyed: true }]);
  });

  it("a source the caller may not read: the broker's 404 surfaces as an UploadError with its code, like an unknown blob; the upload is destroyed", async () => {
    const from = main.requests.length;
    const ranges = (digest: string): ComposeRange[] => [
      { sha256: digest, first: 0, last: 6 * MiB - 1 },
      { sha256: digest, first: 6 * MiB, last: 7 * MiB - 1 },
    ];
    const stolen = await compose(ranges(sha256(a)), options({ headers: bob })).catch((error: unknown) => error);
    expect(stolen).toBeInstanceOf(UploadError);
    expect(stolen).toMatchObject({ status: 404, code: 'not_found', brokerMessage: expect.any(String) });
    const unknown = await compose(ranges(sha256(randomBytes(8))), options({ headers: bob })).catch((error: unknown) => error);
    expect(unknown).toMatchObject({ status: 404, code: (stolen as UploadError).code });
    expect(composedSince(from)).toEqual([
      { id: expect.any(String), destroyed: true },
      { id: expect.any(String), destroyed: true },
    ]);
  });

  it("ranges only the broker can judge (outside the source) and malformed ranges sent by copyPart: the broker's 400 surfaces with its words", async () => {
    const from = main.requests.length;
    // b has 9 MiB + 5 bytes: a range up to 10 MiB passes every check the client can make.
    const outside = compose([
      { sha256: sha256(a), first: 0, last: 6 * MiB - 1 },
      { sha256: sha256(b), first: 8 * MiB, last: 10 * MiB - 1 },
    ], options());
    await expect(outside).rejects.toMatchObject({ status: 400, code: 'bad_request', brokerMessage: expect.stringMatching(/outside the source, which has 9437189 bytes/) });
    expect(composedSince(from)).toEqual([{ id: expect.any(String), destroyed: true }]);

    const client = new V1Client({ url: main.url, headers: alice });
    const created = await client.initiate({ filename: 'raw.bin', size: 7 * MiB, part_size: 6 * MiB, storage_id: 's3' });
    const cases: Array<[string, RegExp]> = [
      ['bytes=0-', /one range with both ends/],
      ['bytes=0-10,20-30', /one range with both ends/],
      [`bytes=${MiB + 1}-${7 * MiB}`, /multiple of 1 MiB/],
      [`bytes=0-${5 * MiB - 1}`, /6291456 bytes by its plan; the range has 5242880/],
    ];
    for (const [range, message] of cases) {
      const refused = client.copyPart(created.id, 1, { source: { sha256: sha256(a) }, range });
      await expect(refused, range).rejects.toMatchObject({ status: 400, code: 'bad_request', brokerMessage: expect.stringMatching(message) });
    }
    await client.destroy(created.id);
  });

  it('sources in another storage: the broker\'s 409 surfaces', async () => {
    const refused = compose([
      { sha256: sha256(a), first: 0, last: 6 * MiB - 1 },
      { sha256: sha256(a), first: 6 * MiB, last: 7 * MiB - 1 },
    ], options({ storageId: 'azure' }));
    await expect(refused).rejects.toMatchObject({ status: 409, code: 'conflict', brokerMessage: expect.stringMatching(/in storage s3 and this upload in azure/) });
  });
});

describe('compose (client library) on Azurite', () => {
  it("surfaces the broker's 502: Azurite does not implement Put Block From URL (real Azure does)", async () => {
    const c = randomBytes(7 * MiB);
    await put(c, 'c', 'azure');
    const from = main.requests.length;
    const failure = compose([
      { sha256: sha256(c), first: 0, last: 6 * MiB - 1 },
      { sha256: sha256(c), first: 6 * MiB, last: 7 * MiB - 1 },
    ], options({ storageId: 'azure', retries: 1, retryDelayMs: 1, parallel: 1 }));
    await expect(failure).rejects.toBeInstanceOf(UploadError);
    // Azurite 3.35 answers Put Block From URL with 501; the broker reports a store failure naming it.
    await expect(failure).rejects.toMatchObject({ status: 501, code: 'store_unsupported', brokerMessage: expect.stringMatching(/Azure Put Block From URL: this store does not implement it/) });
    expect(composedSince(from)).toEqual([{ id: expect.any(String), destroyed: true }]);
  });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node bin/signpost.js compose …` from the TypeScript source, as alice. */
function cli(args: string[]): Promise<Run> {
  const child = spawn(process.execPath, ['bin/signpost.js', 'compose', '--url', main.url, '--api-key', USERS.alice.key, ...args], { cwd: ROOT, env: { ...process.env, SIGNPOST_CLI_SOURCE: '1', SIGNPOST_URL: '', SIGNPOST_TOKEN: '', SIGNPOST_API_KEY: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('signpost compose', () => {
  const expected = () => Buffer.concat([b.subarray(2 * MiB, 8 * MiB), a.subarray(3 * MiB, 4 * MiB + 9)]);
  // The first range of every run below: 6 MiB of b.
  const fromB = () => `${sha256(b)}:${2 * MiB}-${8 * MiB - 1}`;

  it('composes from ranges in both forms and prints the new blob\'s id and sha256; the bytes read back', async () => {
    const run = await cli(['--storage', 's3', 'clip.mp4', fromB(), `${sha256(a).toUpperCase()}:bytes=${3 * MiB}-${4 * MiB + 8}`]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const printed = /^clip\.mp4: composed (\S+) \(7\.0 MiB from 2 ranges, sha256 ([0-9a-f]{64}), verified read-back\)\n$/.exec(run.stdout);
    expect(printed, run.stdout).not.toBeNull();
    expect(printed![2]).toBe(sha256(expected()));
    expect((await readBack(sha256(expected()))).equals(expected())).toBe(true);
    expect(await new V1Client({ url: main.url, headers: alice }).record(printed![1]!)).toMatchObject({ state: 'complete', filename: 'clip.mp4', sha256: sha256(expected()) });
  });

  it('prints {id, sha256, size, verified} with --json', async () => {
    const run = await cli(['--storage', 's3', '--json', 'clip-again.mp4', fromB(), `${sha256(a)}:${3 * MiB}-${4 * MiB + 8}`]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ id: expect.any(String), sha256: sha256(expected()), size: expected().length, verified: 'read-back' });
  });

  it("a run with a range outside its source exits 1 with the broker's reason", async () => {
    const run = await cli(['--storage', 's3', 'clip-bad.mp4', fromB(), `${sha256(b)}:${9 * MiB}-${10 * MiB}`]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('signpost: compose: range bytes=9437184-10485760 is outside the source, which has 9437189 bytes\n');
  });

  it('a run with a range missing its end exits 1 before calling the broker', async () => {
    const from = main.requests.length;
    const run = await cli(['--storage', 's3', 'clip-bad.mp4', fromB(), `${sha256(a)}:bytes=${3 * MiB}-`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^signpost: compose: ".*" is not one range with both ends; expected <sha256>:<first>-<last> \(or <sha256>:bytes=<first>-<last>\)\n$/);
    expect(main.requests.length).toBe(from);
  });
});
