// The real Uppy in a page: uppy-page-script.ts with the published
// @uppy/core and @uppy/aws-s3 bundled unmodified by esbuild in memory, served
// from its own loopback server. Its origin differs from the broker's and the
// store's, so CORS is part of every browser test. UppyPage drives it from
// Playwright and waits on what Uppy reported, never on a timer.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';
import type { StartOptions, UppyEvent, UppyTestApi } from './uppy-page-script.js';

export type { StartOptions, UppyEvent } from './uppy-page-script.js';

const SCRIPT = fileURLToPath(new URL('./uppy-page-script.ts', import.meta.url));
const HTML = '<!doctype html><html><head><meta charset="utf-8"><title>Uppy test page</title></head><body><script type="module" src="/uppy.js"></script></body></html>';

let bundled: Promise<string> | undefined;

function bundle(): Promise<string> {
  bundled ??= build({ entryPoints: [SCRIPT], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent' }).then((result) => {
    const [file] = result.outputFiles;
    if (!file) throw new Error('esbuild produced no bundle for the Uppy page');
    return file.text;
  });
  return bundled;
}

export interface UppyPageServer {
  /** The page's origin (and URL): what the broker must allow. */
  origin: string;
  close(): Promise<void>;
}

export async function startUppyPageServer(): Promise<UppyPageServer> {
  const script = await bundle();
  const server: Server = createServer((req, res) => {
    if (req.url === '/') res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(HTML);
    else if (req.url === '/uppy.js') res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }).end(script);
    else res.writeHead(req.url === '/favicon.ico' ? 204 : 404).end(); // no favicon 404 in the page's console
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Final = Extract<UppyEvent, { type: 'upload-success' | 'upload-error' }>;

export class UppyPage {
  /** What the page printed to its console: shown when a wait fails. */
  readonly console: string[] = [];

  private constructor(readonly page: Page) {
    page.on('console', (message) => this.console.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => this.console.push(`pageerror: ${error.message}`));
  }

  static async open(context: BrowserContext, origin: string): Promise<UppyPage> {
    const page = await context.newPage();
    const uppy = new UppyPage(page);
    await page.goto(`${origin}/`);
    // The page's bundle is built on first request (esbuild): generous on a busy machine, like the demo page's.
    await page.locator('body[data-ready="true"]').waitFor({ state: 'attached', timeout: 60_000 });
    return uppy;
  }

  /** Adds the file and calls upload(); returns Uppy's file id. */
  start(options: StartOptions): Promise<string> {
    return this.page.evaluate((o) => (window as unknown as { uppyTest: UppyTestApi }).uppyTest.startUpload(o), options);
  }

  events(): Promise<UppyEvent[]> {
    return this.page.evaluate(() => (window as unknown as { uppyTest: UppyTestApi }).uppyTest.events);
  }

  multipart(): Promise<{ uploadId: string; key: string } | undefined> {
    return this.page.evaluate(() => (window as unknown as { uppyTest: UppyTestApi }).uppyTest.multipart());
  }

  isPaused(): Promise<boolean> {
    return this.page.evaluate(() => (window as unknown as { uppyTest: UppyTestApi }).uppyTest.isPaused());
  }

  async pauseFile(): Promise<void> {
    await this.page.evaluate(() => (window as unknown as { uppyTest: UppyTestApi }).uppyTest.pauseFile());
  }

  async resumeFile(): Promise<void> {
    await this.page.evaluate(() => (window as unknown as { uppyTest: UppyTestApi }).uppyTest.resumeFile());
  }

  async removeFile(): Promise<void> {
    await this.page.evaluate(() => (window as unknown as { uppyTest: UppyTestApi }).uppyTest.removeFile());
  }

  /** Waits for an event of `type` (the first one); a failure says what Uppy and the page reported instead. */
  async waitForEvent<T extends UppyEvent['type']>(type: T, timeout = 60_000): Promise<Extract<UppyEvent, { type: T }>> {
    try {
      const handle = await this.page.waitForFunction((wanted) => (window as unknown as { uppyTest: UppyTestApi }).uppyTest.events.find((e) => e.type === wanted) ?? false, type, {
        timeout,
        polling: 100,
      });
      return (await handle.jsonValue()) as Extract<UppyEvent, { type: T }>;
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${await this.describe()}`);
    }
  }

  /** Waits for the file's success or error. */
  async finish(timeout = 90_000): Promise<Final> {
    try {
      const handle = await this.page.waitForFunction(
        () => (window as unknown as { uppyTest: UppyTestApi }).uppyTest.events.find((e) => e.type === 'upload-success' || e.type === 'upload-error') ?? false,
        undefined,
        { timeout, polling: 100 },
      );
      return (await handle.jsonValue()) as Final;
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${await this.describe()}`);
    }
  }

  /** The events other than progress, and the page's console: what a failed assertion should print. */
  async describe(): Promise<string> {
    const events = await this.events().catch(() => []);
    const notable = events.filter((e) => e.type !== 'upload-progress');
    return `Uppy events: ${JSON.stringify(notable)}\npage console:\n${this.console.join('\n')}`;
  }
}
