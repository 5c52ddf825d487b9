// The demo page in headless Chromium uploads straight to Swift's S3 API and to
// Azurite: the bytes each store ends up holding are the file's, and the page
// lists the finished uploads with working download links.
import { createHash } from 'node:crypto';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotPath } from './support/browser.js';
import { DemoPage } from './support/demo-page-driver.js';
import { MiB } from './support/files.js';
import { useDemoEnvironment } from './support/environment.js';

describe('demo page: uploads to both stores', () => {
  let context: BrowserContext;

  const env = useDemoEnvironment();

  beforeAll(async () => {
    context = await env.browser.newContext({ viewport: { width: 1000, height: 900 } });
  });

  afterAll(async () => {
    await context?.close();
  });

  it('sends 24 MiB to Swift (S3) and to Azurite; each store holds exactly the file', async () => {
    const [toS3, toAzure] = await Promise.all([env.files.write('survey-s3.bin', 24 * MiB), env.files.write('survey-azure.bin', 24 * MiB)]);
    const demo = await DemoPage.open(context, env.broker.url);
    const pageErrors: string[] = [];
    demo.page.on('pageerror', (error) => pageErrors.push(error.message));

    // Both at once, one per storage: the selector applies to the files picked after it.
    await demo.settings({ storage: 's3' });
    await demo.pick(toS3.path);
    await demo.settings({ storage: 'azure' });
    await demo.pick(toAzure.path);
    const rows = await Promise.all([demo.finish(toS3.name), demo.finish(toAzure.name)]);

    for (const [row, file, storage] of [[rows[0], toS3, 's3'], [rows[1], toAzure, 'azure']] as const) {
      expect(row.state, row.text).toBe('complete');
      const id = row.uploadId!;
      expect(await env.broker.record(id)).toMatchObject({ state: 'complete', storage_id: storage, file_size: file.size });
      expect(await env.broker.storedSha256(id), `${storage}: stored bytes`).toBe(file.sha256);
      // The page's download link (GET /:id/url as JSON) serves the same bytes.
      const link = demo.completedEntry(id).getByRole('link', { name: `Download ${file.name}` });
      const href = await link.getAttribute('href', { timeout: 60_000 });
      const download = await fetch(href!);
      expect(download.status).toBe(200);
      expect(createHash('sha256').update(new Uint8Array(await download.arrayBuffer())).digest('hex'), `${storage}: downloaded bytes`).toBe(file.sha256);
    }
    expect(await demo.page.getByRole('status').innerText()).toMatch(/uploaded/);
    expect(pageErrors).toEqual([]);
    // MD5s were computed off the main thread, by the worker the page serves next to its script.
    expect(demo.page.workers().map((worker) => new URL(worker.url()).pathname)).toContain('/demo/md5-worker.js');

    const screenshot = await screenshotPath('uploads-complete');
    await demo.page.screenshot({ path: screenshot, fullPage: true });
    console.log(`screenshot: ${screenshot}`);

    // A fresh visit lists both from GET /?limit=20, with links.
    const again = await DemoPage.open(context, env.broker.url);
    for (const [row, file] of [[rows[0], toS3], [rows[1], toAzure]] as const) {
      const entry = again.completedEntry(row.uploadId!);
      await entry.getByRole('link', { name: `Download ${file.name}` }).waitFor({ timeout: 60_000 });
      expect(await entry.getAttribute('data-state')).toBe('complete');
    }
    await again.page.close();
  }, 240_000);

  it('uploads a file dropped on the drop zone', async () => {
    const demo = await DemoPage.open(context, env.broker.url);
    await demo.settings({ storage: 'azure' });
    // What a drag from the desktop delivers: a DataTransfer holding a File.
    const dataTransfer = await demo.page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['dropped on the zone\n'], 'dropped.txt', { type: 'text/plain' }));
      return transfer;
    });
    const zone = demo.page.getByRole('group', { name: 'Drop files here' });
    await zone.dispatchEvent('dragover', { dataTransfer });
    expect(await zone.getAttribute('class')).toContain('dragging');
    await zone.dispatchEvent('drop', { dataTransfer });
    const row = await demo.finish('dropped.txt');
    expect(row.state, row.text).toBe('complete');
    expect(await env.broker.record(row.uploadId!)).toMatchObject({ state: 'complete', storage_id: 'azure', file_size: 20 });
    await demo.page.close();
  }, 240_000);
});
