// The two ways the broker starts, as a user starts them: `npm start` with no
// config (embedded stores, dev key printed) and with SIGNPOST_CONFIG (a bad
// file stops it with a message naming the field).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptsConnections, freePort } from '../../scripts/servers/ports.js';

// As `npm start` runs it: node with tsx as its loader. Not the tsx command, whose parent process
// relays a signal and, when the child has not said within 30 ms that it got it (a loaded
// machine), SIGKILLs it and exits 143 — the broker's shutdown never ran.
function run(script: string, env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let text = '';
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

async function waitFor(output: () => string, pattern: RegExp, ms: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const match = pattern.exec(output());
    if (match) return match;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${pattern}; output so far:\n${output()}`);
}

describe('starting the broker', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'signpost-startup-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a bad SIGNPOST_CONFIG stops it at once with a message naming the field', async () => {
    const config = join(dir, 'bad.json');
    await writeFile(config, JSON.stringify({ storages: [{ id: 'x', type: 's3', access_key_id: 'a', secret_access_key: 'b' }], auth: { api_keys: {} } }));
    const broker = run('src/main.ts', { SIGNPOST_CONFIG: config, PORT: '0' });
    expect(await broker.exited).toBe(1);
    expect(broker.output()).toMatch(/signpost: SIGNPOST_CONFIG=.*bad\.json: .*bucket/);
    // tsx compiling the entry took 28 s with one CPU hog beside the suite: more than vitest's default leaves.
  }, 90_000);

  it('npm start without config runs embedded stores and takes an upload with the printed dev key; SIGTERM stops everything', async () => {
    const port = await freePort();
    const broker = run('scripts/start.ts', { PORT: String(port), SIGNPOST_CONFIG: '', REDIS_URL: '' });
    let storePorts: number[] = [];
    try {
      // Two embedded stores start first: on a busy machine that alone can take most of a minute.
      const [, key] = await waitFor(broker.output, /dev API key (\S+)/, 90_000);
      storePorts = [...broker.output().matchAll(/(?:s3rver|Azurite) http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
      expect(storePorts).toHaveLength(2);
      const api = `http://127.0.0.1:${port}/api/engine/v2/uploads`;
      const res = await fetch(`${api}/new?file_name=hello.txt&file_size=12`, { headers: { 'X-API-Key': key ?? '' } });
      expect(res.status).toBe(200);
      // Azurite is the default (it resumes and cancels; s3rver cannot): embedded-default.test.ts.
      expect(await res.json()).toMatchObject({ residence: 'AzureStorage', storage_id: 'local-azure' });
      // …and takes an upload: create, PUT the bytes to the embedded store, finalize.
      const bytes = Buffer.from('hello, store');
      const headers = { 'X-API-Key': key ?? '', 'Content-Type': 'application/json' };
      const created = await fetch(`${api}/`, { method: 'POST', headers, body: JSON.stringify({ file_name: 'hello.txt', file_size: bytes.length, file_id: createHash('md5').update(bytes).digest('base64') }) });
      expect(created.status).toBe(200);
      const upload = (await created.json()) as { type: string; upload_id: string; signature: { verb: string; url: string; headers: Record<string, string> } };
      expect(upload.type).toBe('direct_upload');
      const put = await fetch(upload.signature.url, { method: upload.signature.verb, headers: upload.signature.headers, body: bytes });
      expect(put.status).toBeLessThan(300); // Azure's Put Blob answers 201
      const done = await fetch(`${api}/${upload.upload_id}`, { method: 'PUT', headers: { 'X-API-Key': key ?? '' } });
      expect(done.status).toBe(200);
      expect(await done.json()).toMatchObject({ ok: true, upload: { state: 'complete', file_size: bytes.length } });
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(await page.text()).toContain('Signpost');
      expect(broker.output()).toMatch(/records\s+in memory/);
    } finally {
      broker.child.kill('SIGTERM');
    }
    expect(await broker.exited).toBe(0);
    // The embedded stores went with it.
    for (const storePort of [port, ...storePorts]) expect(await acceptsConnections(storePort), `port ${storePort}`).toBe(false);
  }, 120_000);
});
