// `signpost sync <dir>` as a child process (node bin/signpost.js) against a
// real broker (API v1) and real stores: a folder synced through one upload
// session, the manifest, a second run that sends nothing, a changed file, what
// is left out, and every failure a user can meet (exit 1, `signpost: <file>: <reason>`).
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { V1Client } from '../../src/client/node.js';
import { freshStores, storageConfigs, USERS, type TestStores } from '../support/broker.js';
import { listeningBroker, MiB, type ListeningBroker } from './client-harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const alice = { 'X-API-Key': USERS.alice.key };
let stores: TestStores;
let main: ListeningBroker;
let scratch: string;
/** A broker answer to put in place of the real one, per request (set by a test). */
let fault: ((method: string, path: string) => { status: number; body: object } | undefined) | undefined;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, ['bin/signpost.js', ...args], { cwd: ROOT, env: { ...process.env, SIGNPOST_CLI_SOURCE: '1', SIGNPOST_URL: '', SIGNPOST_TOKEN: '', SIGNPOST_API_KEY: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const asAlice = () => ['--url', main.url, '--api-key', USERS.alice.key];

/** A folder of random files: name → size; returns the folder and the bytes by name. */
async function folder(layout: Record<string, number>): Promise<{ dir: string; bytes: Record<string, Buffer> }> {
  const dir = await mkdtemp(join(scratch, 'sync-'));
  const bytes: Record<string, Buffer> = {};
  for (const [name, size] of Object.entries(layout)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    bytes[name] = randomBytes(size);
    await writeFile(join(dir, name), bytes[name]!);
  }
  return { dir, bytes };
}

type Manifest = Record<string, { sha256: string; size: number; id: string }>;
const manifestOf = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as Manifest;

/** Broker requests since `from` that sign parts or verify a session blob: the work of sending bytes. */
function sendingCalls(from: number) {
  return main.requests.slice(from).filter((r) => (r.method === 'POST' && /\/api\/v1\/uploads\/[^/]+\/parts$/.test(r.path)) || (r.method === 'PUT' && /\/upload-sessions\/[^/]+\/blobs\//.test(r.path)));
}

async function readBack(digest: string): Promise<Buffer> {
  const res = await fetch(await new V1Client({ url: main.url, headers: alice }).blobUrl(digest));
  return Buffer.from(await res.arrayBuffer());
}

beforeAll(async () => {
  stores = await freshStores();
  scratch = await mkdtemp(join(tmpdir(), 'signpost-sync-it-'));
  main = await listeningBroker({ storages: storageConfigs(stores) }, (req, res, next) => {
    const answer = fault?.(req.method, req.path);
    if (answer) return void res.status(answer.status).json(answer.body);
    next();
  });
});
afterAll(async () => {
  await main?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe('signpost upload --api v1', () => {
  it('uploads by SHA-256; the same file again is skipped: already in the store, with nothing signed', async () => {
    const { dir, bytes } = await folder({ 'clip.bin': 7 * MiB + 1, 'note.txt': 500 });
    const paths = [join(dir, 'clip.bin'), join(dir, 'note.txt')];
    const first = await cli(['upload', ...paths, ...asAlice(), '--api', 'v1', '--storage', 'azure']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^${paths[0]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: uploaded uploads-\\S+ \\(7\\.0 MiB, sent 2 parts, sha256 ${sha256(bytes['clip.bin']!)}, verified read-back\\)$`, 'm'));
    const before = main.requests.length;
    const second = await cli(['upload', ...paths, ...asAlice(), '--api', 'v1', '--storage', 'azure']);
    expect(second.code, second.stderr).toBe(0);
    for (const path of paths) expect(second.stdout).toContain(`${path}: skipped: already in the store (uploads-`);
    expect(sendingCalls(before)).toEqual([]);
  });

  it("exits 1 with the broker's reason when it refuses the file", async () => {
    const { dir } = await folder({ 'x.bin': 100 });
    const run = await cli(['upload', join(dir, 'x.bin'), ...asAlice(), '--api', 'v1', '--storage', 'nowhere']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`signpost: ${join(dir, 'x.bin')}: storage "nowhere" is not a storage you may use`);
  });
});

describe('signpost sync', () => {
  it('syncs a folder through one session, writes the manifest, and a second run sends nothing', async () => {
    const { dir, bytes } = await folder({ 'a.txt': 2000, 'videos/clip.mp4': 12 * MiB + 3, 'videos/deep/b.bin': 300_000, 'copy-of-a.txt': 0 });
    await writeFile(join(dir, 'copy-of-a.txt'), bytes['a.txt']!); // the same bytes under two names: one blob
    bytes['copy-of-a.txt'] = bytes['a.txt']!;
    await writeFile(join(dir, '.hidden'), 'secret');
    await mkdir(join(dir, '.git'));
    await writeFile(join(dir, '.git', 'HEAD'), 'ref');
    await symlink(join(dir, 'a.txt'), join(dir, 'link.txt'));
    spawnSync('mkfifo', [join(dir, 'pipe')]);

    const before = main.requests.length;
    const first = await cli(['sync', dir, ...asAlice(), '--parallel', '2']);
    expect(first.code, first.stderr).toBe(0);
    expect(main.requests.slice(before).filter((r) => r.method === 'POST' && r.path === '/api/v1/upload-sessions')).toHaveLength(1);
    expect(first.stdout).toMatch(/^\.hidden: skipped \(dotfile\)$/m);
    expect(first.stdout).toMatch(/^\.git: skipped \(dot-folder\)$/m);
    expect(first.stdout).toMatch(/^link\.txt: skipped \(symbolic link\)$/m);
    expect(first.stdout).toMatch(/^pipe: skipped \(not a regular file\)$/m);
    expect(first.stdout).toMatch(/^hashing: 4\/4 files, 12\.\d MiB\/12\.\d MiB \(100%\)/m); // overall progress, plain lines
    expect(first.stdout).toMatch(/^uploading: 3\/3 files/m);
    expect(first.stdout).toMatch(/^videos\/clip\.mp4: \d+(\.\d)? MiB\/12\.0 MiB/m); // per-file progress
    expect(first.stdout).toMatch(/^videos\/clip\.mp4: uploaded uploads-/m);
    expect(first.stdout).toMatch(/^copy-of-a\.txt: skipped: same bytes as a\.txt/m);
    expect(first.stdout).toMatch(/^synced 4 files: 3 uploaded \(12\.\d MiB\), 1 already in the store; manifest .*\.signpost-manifest\.json$/m);

    const manifest = await manifestOf(join(dir, '.signpost-manifest.json'));
    expect(Object.keys(manifest).sort()).toEqual(['a.txt', 'copy-of-a.txt', 'videos/clip.mp4', 'videos/deep/b.bin']);
    const v1 = new V1Client({ url: main.url, headers: alice });
    for (const [name, entry] of Object.entries(manifest)) {
      expect(entry).toEqual({ sha256: sha256(bytes[name]!), size: bytes[name]!.length, id: expect.stringMatching(/^uploads-/) });
      expect(await v1.record(entry.id)).toMatchObject({ state: 'complete', sha256: entry.sha256 });
      expect((await readBack(entry.sha256)).equals(bytes[name]!)).toBe(true);
    }
    expect(manifest['copy-of-a.txt']!.id).toBe(manifest['a.txt']!.id);

    const again = main.requests.length;
    const second = await cli(['sync', dir, ...asAlice()]);
    expect(second.code, second.stderr).toBe(0);
    expect(sendingCalls(again)).toEqual([]); // no part signed, no blob verified: nothing sent
    for (const name of ['a.txt', 'videos/clip.mp4', 'videos/deep/b.bin']) expect(second.stdout).toMatch(new RegExp(`^${name.replace(/[./]/g, '\\$&')}: skipped: already in the store \\(uploads-`, 'm'));
    expect(second.stdout).toMatch(/^synced 4 files: 0 uploaded \(0 B\), 4 already in the store; manifest /m);
    const secondManifest = await manifestOf(join(dir, '.signpost-manifest.json'));
    expect(Object.fromEntries(Object.entries(secondManifest).map(([n, e]) => [n, e.sha256]))).toEqual(Object.fromEntries(Object.entries(manifest).map(([n, e]) => [n, e.sha256])));
    for (const entry of Object.values(secondManifest)) expect(await v1.record(entry.id)).toMatchObject({ state: 'complete', sha256: entry.sha256 });
  });

  it('after a file changes, a rerun sends only that file; --manifest puts the manifest elsewhere', async () => {
    const { dir, bytes } = await folder({ 'one.bin': 50_000, 'two.bin': 6 * MiB });
    const elsewhere = join(scratch, `manifest-${randomBytes(4).toString('hex')}.json`);
    expect((await cli(['sync', dir, ...asAlice(), '--manifest', elsewhere])).code).toBe(0);
    const changed = randomBytes(60_000);
    await writeFile(join(dir, 'one.bin'), changed);
    const before = main.requests.length;
    const run = await cli(['sync', dir, ...asAlice(), '--manifest', elsewhere]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^one\.bin: uploaded uploads-/m);
    expect(run.stdout).toMatch(/^two\.bin: skipped: already in the store/m);
    expect(sendingCalls(before).filter((r) => r.method === 'PUT')).toHaveLength(1);
    const manifest = await manifestOf(elsewhere);
    expect(manifest['one.bin']).toMatchObject({ sha256: sha256(changed), size: 60_000 });
    expect(manifest['two.bin']).toMatchObject({ sha256: sha256(bytes['two.bin']!) });
    await expect(readFile(join(dir, '.signpost-manifest.json'))).rejects.toThrow(/ENOENT/);
  });

  it('a manifest written inside the folder under another name is not synced as a file', async () => {
    const { dir } = await folder({ 'x.txt': 10 });
    const inside = join(dir, 'manifest.json');
    expect((await cli(['sync', dir, ...asAlice(), '--manifest', inside])).code).toBe(0);
    const rerun = await cli(['sync', dir, ...asAlice(), '--manifest', inside]);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(Object.keys(await manifestOf(inside))).toEqual(['x.txt']);
  });

  it('an empty folder writes an empty manifest and opens no session', async () => {
    const { dir } = await folder({});
    const before = main.requests.length;
    const run = await cli(['sync', dir, ...asAlice()]);
    expect(run.code, run.stderr).toBe(0);
    expect(await manifestOf(join(dir, '.signpost-manifest.json'))).toEqual({});
    expect(main.requests.slice(before)).toEqual([]);
  });

  it('a blob the broker refuses to verify fails that file (exit 1, no manifest, session left incomplete); a rerun sends only it', async () => {
    const { dir, bytes } = await folder({ 'good.bin': 40_000, 'bad.bin': 40_000 });
    const badSha = sha256(bytes['bad.bin']!);
    fault = (method, path) => (method === 'PUT' && path.endsWith(`/blobs/${badSha}`) ? { status: 422, body: { error: 'verification_failed', message: `the stored object's SHA-256 is not ${badSha}` } } : undefined);
    try {
      const before = main.requests.length;
      const run = await cli(['sync', dir, ...asAlice()]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`signpost: ${join(dir, 'bad.bin')}: the stored object's SHA-256 is not ${badSha}`);
      expect(run.stderr).toMatch(/not synced .*1 failed.*no manifest written/);
      expect(run.stdout).toMatch(/^good\.bin: uploaded /m);
      expect(main.requests.slice(before).some((r) => r.path.endsWith('/complete'))).toBe(false);
      await expect(readFile(join(dir, '.signpost-manifest.json'))).rejects.toThrow(/ENOENT/);
    } finally {
      fault = undefined;
    }
    const before = main.requests.length;
    const rerun = await cli(['sync', dir, ...asAlice()]);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(/^bad\.bin: uploaded /m);
    expect(rerun.stdout).toMatch(/^good\.bin: skipped: already in the store/m);
    expect(sendingCalls(before).filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual([expect.stringContaining(`/blobs/${badSha}`)]);
  });

  it('an expired session (410) fails each blob with the broker\'s words', async () => {
    const { dir } = await folder({ 'late.bin': 1000 });
    fault = (method, path) => (method === 'POST' && /\/uploads\/[^/]+\/parts$/.test(path) ? { status: 410, body: { error: 'expired', message: 'upload session has expired; start a new one' } } : undefined);
    try {
      const run = await cli(['sync', dir, ...asAlice()]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`signpost: ${join(dir, 'late.bin')}: upload session has expired; start a new one`);
    } finally {
      fault = undefined;
    }
  });

  it('exits 1 with the reason on bad credentials, a missing folder, a missing URL, or a refused session', async () => {
    const { dir } = await folder({ 'f.txt': 100 });
    const denied = await cli(['sync', dir, '--url', main.url, '--api-key', 'not-a-key-00000000000']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(new RegExp(`^signpost: ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .+`, 'm'));
    const missing = await cli(['sync', join(scratch, 'nope'), ...asAlice()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^signpost: .*nope: .*ENOENT/m);
    const noUrl = await cli(['sync', dir]);
    expect(noUrl.code).toBe(1);
    expect(noUrl.stderr).toMatch(/no broker URL/);
    fault = (method, path) => (method === 'POST' && path === '/api/v1/upload-sessions' ? { status: 413, body: { error: 'too_large', message: 'a blob is larger than the storage takes' } } : undefined);
    try {
      const refused = await cli(['sync', dir, ...asAlice()]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`signpost: ${dir}: a blob is larger than the storage takes`);
    } finally {
      fault = undefined;
    }
  });
});
