// The browser build of the v1 client (signpost/client/browser, hash-wasm in the
// page's thread) in headless Chromium, against a real broker and real stores
// behind CORS: a File uploaded with uploadBlob ends complete with the SHA-256
// the page's own WebCrypto computes, the bytes read back equal, and a second
// upload of the same File is skipped (already_present).
import { createHash } from 'node:crypto';
import { build } from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { V1Client } from '../../src/client/node.js';
import { USERS } from '../support/broker.js';
import { useDemoEnvironment } from '../e2e/support/environment.js';

const MiB = 1024 * 1024;
const alice = { 'X-API-Key': USERS.alice.key };
const env = useDemoEnvironment();
let context: BrowserContext;
let page: Page;

/** src/client/browser.ts bundled for the page, as an integrator's bundler would: window.Signpost. */
async function clientBundle(): Promise<string> {
  const out = await build({ entryPoints: ['src/client/browser.ts'], bundle: true, format: 'iife', globalName: 'Signpost', platform: 'browser', write: false });
  return out.outputFiles[0]!.text;
}

interface PageResult {
  sha256: string;
  fileSha256: string;
  first: { id: string; sha256: string; alreadyPresent: boolean; verified?: string; partsSent: number };
  second: { id: string; alreadyPresent: boolean; partsSent: number };
  states: string[];
}

beforeAll(async () => {
  // The demo page's CSP forbids inline scripts; the test injects the client as an integrator's page would load it.
  context = await env.browser.newContext({ bypassCSP: true });
  page = await context.newPage();
  await page.goto(env.broker.url);
  await page.addScriptTag({ content: await clientBundle() });
});
afterAll(async () => {
  await context?.close();
});

describe.each(['s3', 'azure'])('v1 client in Chromium to %s', (storageId) => {
  it('uploads a multipart File, its SHA-256 computed while the parts are sent; the same File again is already present', async () => {
    const size = 12 * MiB + 7;
    const result = await page.evaluate(
      async ({ size, storageId, key }) => {
        type Client = typeof import('../../src/client/browser.js');
        const { uploadBlob } = (window as unknown as { Signpost: Client }).Signpost;
        const bytes = new Uint8Array(size);
        for (let offset = 0; offset < size; offset += 65_536) crypto.getRandomValues(bytes.subarray(offset, Math.min(size, offset + 65_536)));
        const file = new File([bytes], `page-${storageId}.bin`, { type: 'application/octet-stream' });
        const hex = (buffer: ArrayBuffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
        const options = { url: location.origin, headers: { 'X-API-Key': key }, storageId, parallel: 3 };
        const states: string[] = [];
        const task = uploadBlob(file, options);
        task.on('state', (s) => states.push(s));
        const first = await task.done;
        const second = await uploadBlob(file, { ...options, dedupe: true }).done;
        return { sha256: first.sha256, fileSha256: hex(await crypto.subtle.digest('SHA-256', bytes)), first, second, states } as PageResult;
      },
      { size, storageId, key: USERS.alice.key },
    );
    expect(result.first).toMatchObject({ alreadyPresent: false, sha256: result.fileSha256 });
    expect(result.first.partsSent).toBeGreaterThanOrEqual(3);
    expect(['store', 'read-back']).toContain(result.first.verified);
    expect(result.states).toEqual(['uploading', 'finishing', 'complete']);
    expect(result.second).toMatchObject({ alreadyPresent: true, partsSent: 0 });
    const stored = await fetch(await new V1Client({ url: env.broker.url, headers: alice }).blobUrl(result.fileSha256));
    const bytes = Buffer.from(await stored.arrayBuffer());
    expect(bytes.length).toBe(size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(result.fileSha256);
  }, 60_000);
});
