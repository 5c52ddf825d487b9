// Reloading the page mid-upload loses nothing: the same file picked again
// continues the broker's upload, and the store receives only the parts it did
// not already hold (counted at the store, through the tap).
import type { BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshotPath } from './support/browser.js';
import { DemoPage, PartGate, until } from './support/demo-page-driver.js';
import { MiB } from './support/files.js';
import { useDemoEnvironment } from './support/environment.js';

describe('demo page: reload mid-upload, pick the same file again', () => {
  const env = useDemoEnvironment();

  // 24 MiB → five parts of 5 MiB, the last 4 MiB, on both stores (the default part policy's
  // 5 MiB minimum, seed 004, applies to Azure's blocks too).
  it.each([
    { storage: 's3' as const, partCount: 5 },
    { storage: 'azure' as const, partCount: 5 },
  ])('$storage: the second page sends only the parts the store does not hold', async ({ storage, partCount }) => {
    const context: BrowserContext = await env.browser.newContext({ viewport: { width: 1000, height: 800 } });
    try {
      const file = await env.files.write(`resume-${storage}.bin`, 24 * MiB);
      const tap = env.broker.taps[storage];
      const demo = await DemoPage.open(context, env.broker.url);
      // One part at a time, and part 3 held at the browser's edge: parts 1 and 2 reach the store, then the upload stalls.
      await demo.settings({ storage, parallel: 1 });
      const gate = await PartGate.install(demo.page, 3);
      await demo.pick(file.path);
      await until(() => gate.heldCount, (held) => held > 0, 'part 3 to be sent');
      expect(await demo.rowState(file.name)).toBe('uploading');
      const storedBefore = tap.partsStored(1);
      expect(storedBefore).toEqual([1, 2]);

      // Reload with part 3 still held, so the first page can neither finish nor retry it.
      await demo.reload();
      await gate.drop();
      tap.phase = 2;
      // The page kept its settings (the key for the tab, storage and parallel in localStorage).
      expect(await demo.page.getByLabel('Storage').inputValue()).toBe(storage);
      expect(await demo.page.getByLabel('Parts at once').inputValue()).toBe('1');
      await demo.pick(file.path);
      const row = await demo.finish(file.name);

      expect(row.state, row.text).toBe('complete');
      expect(row.text).toContain('resumed: 2 parts were already stored');
      const resent = tap.partsReceived(2);
      expect(resent.filter((part) => storedBefore.includes(part)), `parts sent again after the reload: ${resent.join(', ')}`).toEqual([]);
      expect(tap.partsStored(2)).toEqual(Array.from({ length: partCount - 2 }, (_, i) => i + 3));
      const id = row.uploadId!;
      expect(await env.broker.record(id)).toMatchObject({ state: 'complete', storage_id: storage });
      expect(await env.broker.storedSha256(id)).toBe(file.sha256);

      const screenshot = await screenshotPath(`resumed-${storage}`);
      await demo.page.screenshot({ path: screenshot, fullPage: true });
      console.log(`screenshot: ${screenshot}`);
    } finally {
      await context.close();
    }
  }, 240_000);
});
