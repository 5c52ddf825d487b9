// The demo uploader page at / (embedded defaults, or `demo_page: true`): plain
// HTML and CSS from src/demo/, and the page's script — src/demo/demo-app.ts
// with the client library — bundled from TypeScript in memory by esbuild on
// the first request and kept, so whoever runs the broker needs no build step.
// esbuild is a development dependency: it is loaded only when the page is asked for, and a
// deployment without it (the production image) says so instead of failing to start.
import { PACKAGE_ROOT } from '../package-root.js';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler, type Response, type Router } from 'express';
import { CONFIG_ELEMENT_ID, type DemoConfig, type DemoStorage } from '../demo/demo-config.js';

export interface DemoPageOptions {
  /** Prefilled in the API key field: the embedded launcher's dev key only, never a real one. */
  devApiKey?: string;
  /** The storages offered in the page's selector (ids and residences; no secrets). */
  storages?: DemoStorage[];
}

// esbuild bundles the page from the TypeScript sources under the package's
// src/ (it reads TypeScript itself), whether this file runs from src/ or dist/.
const SOURCE_ROOT = `${PACKAGE_ROOT}/src/`;
const DEMO_DIR = `${SOURCE_ROOT}demo/`;

// The page talks to the broker (same origin) and to the stores (any origin);
// hash-wasm compiles WebAssembly, which CSP only allows with 'wasm-unsafe-eval'.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  'connect-src *',
  "img-src 'self' data:",
  "style-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Bundle {
  app: string;
  worker: string;
}

const ESBUILD_MISSING = 'the demo page bundles its script with esbuild, a development dependency that is not installed here: install it (npm install esbuild) or turn demo_page off';

/** Whether the demo page can bundle its script here. */
export function demoBundlerInstalled(): boolean {
  try {
    import.meta.resolve('esbuild');
    return true;
  } catch {
    return false;
  }
}

async function loadEsbuild(): Promise<typeof import('esbuild')> {
  try {
    return await import('esbuild');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') throw new Error(ESBUILD_MISSING, { cause: err });
    throw err;
  }
}

/** The page script and the MD5 worker, built together; the worker must sit next to app.js (worker-hasher.ts finds it by import.meta.url). */
async function bundleScripts(): Promise<Bundle> {
  const { build } = await loadEsbuild();
  const result = await build({
    entryPoints: { app: `${DEMO_DIR}demo-app.ts`, 'md5-worker': `${SOURCE_ROOT}client/md5-worker.ts` },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    write: false,
    outdir: '/demo',
    logLevel: 'silent',
  });
  const text = (name: string) => {
    const file = result.outputFiles.find((f) => f.path.endsWith(`/${name}`));
    if (!file) throw new Error(`esbuild produced no ${name}`);
    return file.text;
  };
  return { app: text('app.js'), worker: text('md5-worker.js') };
}

/** `load` once, on first use; a failure is not kept, so the next request tries again. */
function cached<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/** JSON inside <script> must not be able to close the tag. */
function jsonIsland(config: DemoConfig): string {
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  return `<script type="application/json" id="${CONFIG_ELEMENT_ID}">${json}</script>`;
}

function sendAsset(res: Response, type: string, body: string): void {
  res.set({
    'Content-Type': type,
    'Cache-Control': 'no-cache', // revalidated by ETag, so a restarted broker's new bundle is picked up
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    // Presigned store URLs must not leak to other sites through Referer.
    'Referrer-Policy': 'no-referrer',
  });
  res.send(body);
}

function serve(type: string, load: () => Promise<string>): RequestHandler {
  return async (_req, res) => sendAsset(res, type, await load());
}

export function demoRouter(basePath: string, options: DemoPageOptions = {}): Router {
  const config: DemoConfig = { basePath, devApiKey: options.devApiKey ?? null, storages: options.storages ?? [] };
  const bundle = cached(bundleScripts);
  const page = cached(async () => {
    const html = await readFile(`${DEMO_DIR}index.html`, 'utf8');
    return html.replace('<!-- demo-config -->', jsonIsland(config));
  });
  const css = cached(() => readFile(`${DEMO_DIR}demo.css`, 'utf8'));

  const sendPage = serve('text/html; charset=utf-8', page);
  const router = express.Router();
  router.get('/', (req, res, next) => {
    void bundle().catch(() => undefined); // start bundling while the browser parses the HTML
    return sendPage(req, res, next);
  });
  router.get('/demo/demo.css', serve('text/css; charset=utf-8', css));
  router.get('/demo/app.js', serve('text/javascript; charset=utf-8', async () => (await bundle()).app));
  router.get('/demo/md5-worker.js', serve('text/javascript; charset=utf-8', async () => (await bundle()).worker));
  return router;
}
