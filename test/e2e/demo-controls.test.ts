// What a person sees when the broker says no, and what the row's buttons do:
// refusals show the broker's own message next to the file; Pause stops the
// sending and Resume finishes it; Cancel aborts the upload on the broker.
import type { BrowserContext } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storageConfigs } from '../support/broker.js';
import { screenshotPath } from './support/browser.js';
import { BASE_PATH, PAGE_USER } from './support/demo-broker.js';
import { DemoPage, PartGate, until } from './support/demo-page-driver.js';
import { MiB } from './support/files.js';
import { useDemoEnvironment } from './support/environment.js';

describe('demo page: refusals, pause/resume, cancel', () => {
  let context: BrowserContext;

  // s3 and azure take anything; "strict" (the same bucket) only .bin and .txt up to 1 MiB.
  const env = useDemoEnvironment((tapped) => [
    ...storageConfigs(tapped),
    { id: 'strict', type: 's3', isDefault: false, filters: { extensions: ['bin', 'txt'], maxFileSize: 1 * MiB }, s3: tapped.s3 },
  ]);


  beforeEach(async () => {
    context = await env.browser.newContext({ viewport: { width: 1000, height: 800 } });
  });

  afterEach(async () => {
    await context?.close();
  });

  it("shows the broker's message when it refuses a file (wrong type, too large) and creates nothing", async () => {
    const [exe, big, fine] = await Promise.all([env.files.write('setup.exe', 4096), env.files.write('archive.bin', 2 * MiB), env.files.write('notes.txt', 300)]);
    const demo = await DemoPage.open(context, env.broker.url);
    await demo.settings({ storage: 'strict' });
    await demo.pick(exe.path, big.path, fine.path);
    const [exeRow, bigRow, fineRow] = await Promise.all([demo.finish(exe.name), demo.finish(big.name), demo.finish(fine.name)]);

    expect(exeRow.state, exeRow.text).toBe('refused');
    expect(await demo.row(exe.name).getByRole('alert').innerText()).toBe('extension .exe is not allowed (allowed: .bin, .txt) (400 invalid_file)');
    expect(bigRow.state, bigRow.text).toBe('refused');
    expect(await demo.row(big.name).getByRole('alert').innerText()).toBe(`the file's size (${2 * MiB} bytes) exceeds this storage's maximum of ${MiB} bytes (413 too_large)`);
    expect(fineRow.state, fineRow.text).toBe('complete');
    // Refused before hashing or creating anything: the only upload is the accepted file.
    const listed = (await (await fetch(`${env.broker.url}${BASE_PATH}/?limit=50`, { headers: { 'X-API-Key': PAGE_USER.key } })).json()) as Array<{ file_name: string }>;
    expect(listed.map((u) => u.file_name).filter((name) => [exe.name, big.name, fine.name].includes(name))).toEqual([fine.name]);

    const screenshot = await screenshotPath('refusals');
    await demo.page.screenshot({ path: screenshot, fullPage: true });
    console.log(`screenshot: ${screenshot}`);
  }, 240_000);

  it('Pause stops sending mid-file; Resume finishes it with the right bytes (S3)', async () => {
    const file = await env.files.write('paused.bin', 12 * MiB); // parts of 5, 5 and 2 MiB
    const tap = env.broker.taps.s3;
    tap.phase = 10;
    const demo = await DemoPage.open(context, env.broker.url);
    await demo.settings({ storage: 's3', parallel: 1 });
    const gate = await PartGate.install(demo.page, 2);
    await demo.pick(file.path);
    await until(() => gate.heldCount, (held) => held > 0, 'part 2 to be sent');

    const row = demo.row(file.name);
    await row.getByRole('button', { name: `Pause upload of ${file.name}` }).click();
    await demo.waitForState(file.name, ['paused']);
    expect(await row.getByRole('button', { name: `Resume upload of ${file.name}` }).isEnabled()).toBe(true);
    await gate.open(); // the paused page abandoned part 2 already: nothing more reaches the store
    const screenshot = await screenshotPath('paused');
    await demo.page.screenshot({ path: screenshot, fullPage: true });
    console.log(`screenshot: ${screenshot}`);
    expect(tap.partsStored(10)).toEqual([1]);

    await row.getByRole('button', { name: `Resume upload of ${file.name}` }).click();
    const done = await demo.finish(file.name);
    expect(done.state, done.text).toBe('complete');
    expect(tap.partsStored(10)).toEqual([1, 2, 3]);
    expect(tap.partsReceived(10).filter((part) => part === 1)).toHaveLength(1);
    expect(await env.broker.storedSha256(done.uploadId!)).toBe(file.sha256);
  }, 240_000);

  it('Cancel stops the upload and aborts it on the broker (Azure)', async () => {
    const file = await env.files.write('cancelled.bin', 12 * MiB); // blocks of 4 MiB
    const demo = await DemoPage.open(context, env.broker.url);
    await demo.settings({ storage: 'azure', parallel: 1 });
    const gate = await PartGate.install(demo.page, 2);
    await demo.pick(file.path);
    await until(() => gate.heldCount, (held) => held > 0, 'part 2 to be sent');

    const row = demo.row(file.name);
    await row.getByRole('button', { name: `Cancel upload of ${file.name}` }).click();
    expect(await demo.waitForState(file.name, ['cancelled', 'failed', 'complete'])).toBe('cancelled');
    await gate.drop();
    expect(await row.getByRole('button').count()).toBe(0); // a finished row has no controls left
    const id = await row.getAttribute('data-upload-id');
    expect(id).toMatch(/^uploads-/);
    expect((await env.broker.record(id!)).state).toBe('aborted');
  }, 240_000);
});
