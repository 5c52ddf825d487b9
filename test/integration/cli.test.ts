// The signpost CLI as a child process (node bin/signpost.js) against a real
// broker and real stores: upload, resume after SIGKILL, status, abort, and
// failures with exit code 1 and the broker's reason.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshStores, storageConfigs, USERS, type TestStores } from '../support/broker.js';
import { listeningBroker, MiB, tempFiles, type ListeningBroker, type TempFiles } from './client-harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let stores: TestStores;
let files: TempFiles;
let main: ListeningBroker;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function startCli(args: string[], env: Record<string, string> = {}): { child: ChildProcess; result: Promise<Run> } {
  const child = spawn(process.execPath, ['bin/signpost.js', ...args], { cwd: ROOT, env: { ...process.env, SIGNPOST_CLI_SOURCE: '1', SIGNPOST_URL: '', SIGNPOST_TOKEN: '', SIGNPOST_API_KEY: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const result = new Promise<Run>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, result };
}

const cli = (args: string[], env: Record<string, string> = {}) => startCli(args, env).result;
const asAlice = () => ['--url', main.url, '--api-key', USERS.alice.key];

/** Upload ids the CLI reported, by file path. */
function uploadedIds(stdout: string): Record<string, string> {
  return Object.fromEntries([...stdout.matchAll(/^(.+): uploaded (uploads-\S+) to /gm)].map((m) => [m[1]!, m[2]!]));
}

// A part PATCH for this part number kills the CLI of the first run (set per test).
let killAtPart: { part: number; child?: ChildProcess; killed?: Promise<unknown> } | undefined;

beforeAll(async () => {
  stores = await freshStores();
  files = await tempFiles();
  main = await listeningBroker({ storages: storageConfigs(stores, { azure: { filters: { extensions: ['bin', 'txt'] } } }) }, async (req, _res, next) => {
    const target = killAtPart;
    if (target?.child && req.method === 'PATCH' && Number(req.query['part']) === target.part) {
      killAtPart = undefined;
      // Hold this PATCH until the client is dead: the kill lands between two parts, deterministically.
      target.child.kill('SIGKILL');
      await target.killed;
    }
    next();
  });
});
afterAll(async () => {
  await main?.close();
  await files?.remove();
});

describe('signpost CLI', () => {
  it('uploads several files (direct and chunked) and prints one line per file', async () => {
    const small = await files.make('small.bin', 300_000);
    const large = await files.make('large.bin', 12 * MiB + 5);
    const run = await cli(['upload', small.path, large.path, ...asAlice(), '--parallel', '2']);
    expect(run.code, run.stderr).toBe(0);
    const ids = uploadedIds(run.stdout);
    expect(Object.keys(ids).sort()).toEqual([large.path, small.path].sort());
    expect(run.stdout).toMatch(/large\.bin: \d+(\.\d)? MiB/); // plain progress lines when stdout is not a TTY
    for (const { path, bytes } of [small, large]) {
      expect((await main.broker.as('alice').download(ids[path]!)).equals(bytes)).toBe(true);
    }
  });

  it('resumes after being killed midway: the rerun sends only the missing parts', async () => {
    const big = await files.make('killed.bin', 40 * MiB);
    const first = startCli(['upload', big.path, ...asAlice(), '--parallel', '1', '--storage', 's3']);
    // Part N+1 is read, hashed and signed (prepared ahead) while part N is on the wire: part 5's
    // PATCH comes after part 3 is done, while part 4 is in flight or just done.
    killAtPart = { part: 5, child: first.child, killed: first.result };
    const killed = await first.result;
    expect(killed.signal).toBe('SIGKILL');
    const patchesBefore = main.partPatches().length;

    const second = await cli(['upload', big.path, ...asAlice(), '--parallel', '1', '--storage', 's3']);
    expect(second.code, second.stderr).toBe(0);
    const [, sent, skipped] = /resumed: sent (\d+) parts, skipped (\d+)/.exec(second.stdout) ?? [];
    expect([3, 4]).toContain(Number(skipped));
    expect(Number(sent) + Number(skipped)).toBe(8);
    expect(main.partPatches().length - patchesBefore).toBe(Number(sent)); // the missing parts only
    const id = uploadedIds(second.stdout)[big.path]!;
    expect((await main.broker.as('alice').download(id)).equals(big.bytes)).toBe(true);
  });

  it('status prints the record and abort aborts it', async () => {
    const file = await files.make('status.bin', 100_000);
    const up = await cli(['upload', file.path, ...asAlice()]);
    const id = uploadedIds(up.stdout)[file.path]!;
    const status = await cli(['status', id], { SIGNPOST_URL: main.url, SIGNPOST_API_KEY: USERS.alice.key });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ id, state: 'complete', file_name: 'status.bin' });
    const abort = await cli(['abort', id, ...asAlice()]);
    expect(abort.code, abort.stderr).toBe(0);
    expect((await main.broker.as('alice').get(`/${id}`)).body.state).toBe('aborted');
  });

  it("exits 1 and prints the broker's reason when the broker refuses a file", async () => {
    const good = await files.make('fine.txt', 1000);
    const bad = await files.make('refused.exe', 1000);
    const run = await cli(['upload', good.path, bad.path, ...asAlice(), '--storage', 'azure']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^signpost: ${bad.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*exe`, 'm'));
    expect(Object.keys(uploadedIds(run.stdout))).toEqual([good.path]);
  });

  it('exits 1 with the reason on bad credentials, a missing URL, or a missing file', async () => {
    const file = await files.make('creds.bin', 1000);
    const denied = await cli(['upload', file.path, '--url', main.url, '--api-key', 'not-a-key-00000000000']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^signpost: .*creds\.bin: .+/m);
    const noUrl = await cli(['upload', file.path]);
    expect(noUrl.code).toBe(1);
    expect(noUrl.stderr).toMatch(/no broker URL/);
    const missing = await cli(['upload', `${files.dir}/nope.bin`, ...asAlice()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.bin: .*ENOENT|no such file/);
  });
});
