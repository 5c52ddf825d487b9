// The browser client against plain fetch, in one headless Chromium page, on Azurite: the demo
// page uploads a file with the browser client (worker hashing, signed parts, commit, verify),
// and, side by side in the same page, the same file's parts are PUT with plain fetch to URLs
// the broker signed beforehand (hashed in Node, outside the timing): the ceiling for the page.
// Rounds alternate; medians. The client's time holds its whole-file MD5 and the broker's
// verification (on Azure a read-back of the blob); the fetch side holds neither. The fetch
// side sends each part as a slice of the File (BENCH_BODY=bytes: as an ArrayBuffer read
// first, which Chromium sends about 6× slower).
//   npx tsx scripts/bench/browser-vs-fetch.ts [MiB=48] [parallel=4] [rounds=2]
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { loadServerEnv, parseConfig } from '../../src/config.js';
import { runBroker } from '../../src/main.js';
import { launchChromium } from '../../test/e2e/support/browser.js';
import { DemoPage } from '../../test/e2e/support/demo-page-driver.js';
import { startAzurite } from '../servers/azurite.js';
import { median, table } from './bench-kit.js';

const MiB = 1024 * 1024;
const [sizeMiB = 48, parallel = 4, rounds = 2] = process.argv.slice(2).map(Number);
const KEY = 'bench-key-0000000000000';
const API = '/api/engine/v2/uploads';
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('base64');

interface SignedPart {
  url: string;
  headers: Record<string, string>;
  start: number;
  end: number;
}

async function main(): Promise<void> {
  const azurite = await startAzurite({ extentMemoryLimitMiB: Math.max(1024, 6 * sizeMiB * rounds) });
  const dir = await mkdtemp(join(tmpdir(), 'signpost-browser-bench-'));
  const browser = await launchChromium();
  try {
    const service = new BlobServiceClient(azurite.endpoint, new StorageSharedKeyCredential(azurite.account, azurite.accountKey));
    await service.getContainerClient('bench').create();
    await service.setProperties({ cors: [{ allowedOrigins: '*', allowedMethods: 'GET,HEAD,PUT,POST,DELETE,OPTIONS', allowedHeaders: '*', exposedHeaders: '*', maxAgeInSeconds: 3600 }] });
    const config = parseConfig(
      { demo_page: true, storages: [{ id: 'azure', type: 'azure', default: true, container: 'bench', account: azurite.account, account_key: azurite.accountKey, endpoint: azurite.endpoint }], auth: { api_keys: { [KEY]: { user: 'bench', tenant: 'bench' } } } },
      loadServerEnv({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' }),
      'bench',
    );
    const broker = await runBroker(config, { devApiKey: KEY });
    const bytes = randomBytes(sizeMiB * MiB);
    const context = await browser.newContext();
    const times = { client: [] as number[], transfer: [] as number[], fetch: [] as number[] };
    const FINAL = ['complete', 'failed', 'refused', 'cancelled'];

    /** POST / and a PATCH per part from Node: every part's signed PUT, for the page to send. */
    const signAll = async (name: string): Promise<SignedPart[]> => {
      const headers = { 'X-API-Key': KEY, 'Content-Type': 'application/json' };
      const created = (await (await fetch(`${broker.url}${API}/`, { method: 'POST', headers, body: JSON.stringify({ file_name: name, file_size: bytes.length, file_id: md5(bytes) }) })).json()) as { upload_id: string; part_size: number; part_count: number };
      const parts: SignedPart[] = [];
      for (let part = 1; part <= created.part_count; part++) {
        const start = (part - 1) * created.part_size;
        const end = Math.min(bytes.length, start + created.part_size);
        const answer = (await (await fetch(`${broker.url}${API}/${created.upload_id}?part=${part}&file_id=${encodeURIComponent(md5(bytes.subarray(start, end)))}`, { method: 'PATCH', headers, body: '{}' })).json()) as { signature: { url: string; headers: Record<string, string> } };
        parts.push({ url: answer.signature.url, headers: answer.signature.headers, start, end });
      }
      return parts;
    };

    for (let round = 0; round < rounds; round++) {
      // The browser client, through the demo page.
      const name = `client-${round}.bin`;
      const path = join(dir, name);
      await writeFile(path, bytes);
      const demo = await DemoPage.open(context, broker.url);
      await demo.settings({ storage: 'azure', parallel });
      const start = performance.now();
      await demo.pick(path);
      // The row's states, polled every 50 ms: hashing → uploading → finishing → complete.
      await demo.waitForState(name, ['uploading', 'finishing', ...FINAL], 600_000);
      const hashed = performance.now();
      await demo.waitForState(name, ['finishing', ...FINAL], 600_000);
      const finishing = performance.now();
      const row = await demo.finish(name, 600_000);
      if (row.state !== 'complete') throw new Error(`the demo page's upload ended ${row.state}: ${row.text}`);
      times.client.push(performance.now() - start);
      times.transfer.push(finishing - hashed);
      await demo.page.close();

      // Plain fetch from a page of the same origin, the same file picked the same way.
      const fetchName = `fetch-${round}.bin`;
      const fetchPath = join(dir, fetchName);
      await writeFile(fetchPath, bytes);
      const parts = await signAll(fetchName);
      const page = await context.newPage();
      await page.goto(broker.url);
      // Page code as text: tsx would wrap functions in a helper (__name) the page does not have.
      await page.evaluate(`(() => { const input = document.createElement('input'); input.type = 'file'; input.id = 'bench-file'; document.body.append(input); })()`);
      await page.setInputFiles('#bench-file', fetchPath);
      const ms = await page.evaluate<number>(`(async (parts, parallel, BODY) => {
        const file = document.getElementById('bench-file').files[0];
        const queue = [...parts];
        const t0 = performance.now();
        const worker = async () => {
          for (let part = queue.shift(); part; part = queue.shift()) {
            const body = BODY === 'blob' ? file.slice(part.start, part.end) : await file.slice(part.start, part.end).arrayBuffer();
            const headers = Object.fromEntries(Object.entries(part.headers).filter(([k]) => !['content-length', 'host'].includes(k.toLowerCase())));
            const res = await fetch(part.url, { method: 'PUT', headers, body });
            if (!res.ok) throw new Error('PUT answered ' + res.status + ': ' + (await res.text()));
          }
        };
        await Promise.all(Array.from({ length: parallel }, worker));
        return performance.now() - t0;
      })(${JSON.stringify(parts)}, ${parallel}, ${JSON.stringify(process.env['BENCH_BODY'] ?? 'blob')})`);
      times.fetch.push(ms);
      await page.close();
      await rm(path, { force: true });
      await rm(fetchPath, { force: true });
    }
    const client = median(times.client);
    const transfer = median(times.transfer);
    const plain = median(times.fetch);
    console.log(`\n${sizeMiB} MiB to Azurite from headless Chromium, ${parallel} parts in flight, median of ${rounds} alternating rounds; 1-min load ${loadavg()[0]?.toFixed(2)}`);
    console.log(table(['', 'MiB/s', 'ms'], [
      ['browser client (demo page: hash, sign, PUT, commit, verify)', sizeMiB / (client / 1000), client],
      ['  of which uploading (signing and PUTs: the row between hashing and finishing)', sizeMiB / (transfer / 1000), transfer],
      ['plain fetch PUTs of the same parts, presigned beforehand', sizeMiB / (plain / 1000), plain],
    ]));
    console.log(`browser client / plain fetch rate: ${(plain / client).toFixed(2)} overall, ${(plain / transfer).toFixed(2)} uploading alone (target ≥ 0.9)`);
    await context.close();
    await broker.close();
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
    await azurite.stop();
  }
}

await main();
