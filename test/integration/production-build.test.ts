// The production entry as the Dockerfile builds it (there is no container runtime here, so
// its steps are tested instead): `npm run build` into a temporary folder laid out like the
// image — package.json, schemas/config.schema.json, dist/, and node_modules holding the
// production dependencies only (no tsx, esbuild, azurite, s3rver) — then `node dist/src/main.js`
// with a config file: /healthz answers, SIGTERM ends it with exit 0, a busy port with exit 1.
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { acceptsConnections, freePort, waitUntil } from '../../scripts/servers/ports.js';
import { launch, type Launched } from '../support/processes.js';

const ROOT = process.cwd();
const API_KEY = 'a-production-key-0001';

interface LockEntry {
  dev?: boolean;
}

/** Top-level packages npm ci --omit=dev installs: every lockfile entry not marked dev. */
async function productionPackages(): Promise<string[]> {
  const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && !path.slice('node_modules/'.length).includes('node_modules/') && entry.dev !== true)
    .map(([path]) => path.slice('node_modules/'.length));
}

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

async function jsFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.js')).map((e) => join(e.parentPath, e.name));
}

describe('the production build', () => {
  let dir: string;
  const launched: Launched[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'signpost-production-'));
    const build = await run('npm', ['run', 'build', '--', '--outDir', join(dir, 'dist')]);
    expect(build.code, build.output).toBe(0);
    await copyFile(join(ROOT, 'package.json'), join(dir, 'package.json'));
    await mkdir(join(dir, 'schemas'));
    await copyFile(join(ROOT, 'schemas', 'config.schema.json'), join(dir, 'schemas', 'config.schema.json'));
    for (const name of await productionPackages()) {
      await mkdir(dirname(join(dir, 'node_modules', name)), { recursive: true });
      await symlink(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name), 'dir');
    }
  }, 300_000);

  afterEach(() => {
    for (const process of launched.splice(0)) process.killGroup();
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function configFile(name: string, extra: object = {}): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, JSON.stringify({
      // The broker dials no store to start or to answer /healthz and GET /new.
      storages: [{ id: 'main', type: 's3', bucket: 'production', endpoint: 'http://127.0.0.1:9', force_path_style: true, access_key_id: 'a', secret_access_key: 'b' }],
      auth: { api_keys: { [API_KEY]: { user: 'ops', tenant: 'acme' } } },
      ...extra,
    }));
    return path;
  }

  function start(config: string, port: number): Launched {
    const broker = launch(process.execPath, [join(dir, 'dist', 'src', 'main.js')], { SIGNPOST_CONFIG: config, PORT: String(port), REDIS_URL: '', LOG_LEVEL: 'info' }, dir);
    launched.push(broker);
    return broker;
  }

  it('imports no package at load time that is not a production dependency', async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const allowed = new Set([...Object.keys(manifest.dependencies), ...builtinModules]);
    const strays = new Set<string>();
    for (const file of await jsFiles(join(dir, 'dist'))) {
      // Static imports only: a lazy import() (esbuild, for the demo page) is allowed to be missing.
      const text = await readFile(file, 'utf8');
      const statics = [...text.matchAll(/^\s*import\s+(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm), ...text.matchAll(/^\s*export\s+(?:\*(?:\s+as\s+\w+)?|\{[^}]*\})\s+from\s+['"]([^'"]+)['"]/gm)];
      for (const [, specifier = ''] of statics) {
        if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? '');
        if (!allowed.has(name)) strays.add(`${name} (${file.slice(dir.length)})`);
      }
    }
    expect([...strays]).toEqual([]);
    for (const demoOnly of ['azurite', 's3rver', 'esbuild', 'tsx']) expect(manifest.dependencies[demoOnly], demoOnly).toBeUndefined();
  });

  it('node dist/src/main.js serves /healthz and the API with production dependencies only; SIGTERM → exit 0', async () => {
    const port = await freePort();
    const broker = start(await configFile('config.json'), port);
    const url = `http://127.0.0.1:${port}`;
    await waitUntil(async () => (await fetch(`${url}/healthz`)).status === 200, { what: `${url}/healthz`, timeoutMs: 30_000, check: () => expect(broker.output()).not.toMatch(/Error|signpost: /) });
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ ok: true });
    const residence = await fetch(`${url}/api/engine/v2/uploads/new?file_name=a.txt&file_size=5`, { headers: { 'X-API-Key': API_KEY } });
    expect(residence.status).toBe(200);
    process.kill(broker.pid, 'SIGTERM');
    expect(await broker.exited).toBe(0);
    expect(await acceptsConnections(port)).toBe(false);
  });

  it('node dist/src/main.js on a busy port: a message naming the port, exit 1', async () => {
    const port = await freePort();
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const broker = start(await configFile('busy.json'), port);
      expect(await broker.exited).toBe(1);
      expect(broker.output()).toContain(`signpost: port ${port} on 127.0.0.1 is already in use`);
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });

  it('demo_page without esbuild installed: a warning at start, and the script request names what is missing', async () => {
    // The published package carries src/ (the page's HTML and sources); the image does not turn the page on.
    await symlink(join(ROOT, 'src'), join(dir, 'src'), 'dir');
    const port = await freePort();
    const broker = start(await configFile('demo.json', { demo_page: true }), port);
    const url = `http://127.0.0.1:${port}`;
    await waitUntil(async () => (await fetch(`${url}/healthz`)).status === 200, { what: `${url}/healthz`, timeoutMs: 30_000 });
    expect(broker.output()).toContain('demo_page is on but esbuild (a development dependency) is not installed');
    expect((await fetch(`${url}/`)).status).toBe(200);
    const script = await fetch(`${url}/demo/app.js`);
    expect(script.status).toBe(500);
    expect(await script.json()).toEqual({ error: 'internal', message: expect.any(String) });
    await waitUntil(async () => broker.output().includes('esbuild, a development dependency that is not installed here'), { what: 'the missing esbuild in the log', timeoutMs: 10_000 });
    process.kill(broker.pid, 'SIGTERM');
    expect(await broker.exited).toBe(0);
  });
});
