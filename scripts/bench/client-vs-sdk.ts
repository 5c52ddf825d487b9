// Upload rate of the Signpost client (broker-signed, part MD5s enforced by the
// store) against each store's own SDK uploader, on the same file and the same
// local stores, side by side in one run:
//   S3 (OpenStack Swift's S3 API): signpost client vs @aws-sdk/lib-storage Upload
//   Azure (Azurite):               signpost client vs BlockBlobClient.uploadFile
// Same part size and concurrency on both sides. The client's time includes its
// whole-file MD5 pass (needed to find a resumable upload); it is shown apart.
//   npx tsx scripts/bench/client-vs-sdk.ts [MiB=128] [parallel=4] [runs=2]
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { createReadStream } from 'node:fs';
import { fileSource, upload } from '../../src/client/node.js';
import { loadServerEnv, parseConfig } from '../../src/config.js';
import { runBroker } from '../../src/main.js';
import { startAzurite } from '../servers/azurite.js';
import { startSwift } from '../servers/swift.js';

const MiB = 1024 * 1024;
const [sizeMiB = 128, parallel = 4, runs = 2] = process.argv.slice(2).map(Number);
const KEY = 'bench-key-0000000000000';
process.env['LOG_LEVEL'] ??= 'warn';

interface Timing {
  ms: number;
  hashMs?: number;
}

/** Runs the contenders in turn, `runs` rounds, and keeps each one's best: a busy machine slows all alike. */
async function bestOf(contenders: Array<[string, () => Promise<Timing>]>, cleanUp: () => Promise<void>): Promise<Array<Timing & { label: string }>> {
  const best = new Map<string, Timing>();
  for (let round = 0; round < runs; round++) {
    for (const [label, run] of contenders) {
      const timing = await run();
      await cleanUp();
      if (!best.has(label) || timing.ms < best.get(label)!.ms) best.set(label, timing);
    }
  }
  return contenders.map(([label]) => ({ label, ...best.get(label)! }));
}

async function main(): Promise<void> {
  const [swift, azurite] = await Promise.all([startSwift(), startAzurite()]);
  const dir = await mkdtemp(join(tmpdir(), 'signpost-bench-'));
  try {
    const s3 = new S3Client({ endpoint: swift.endpoint, region: swift.region, forcePathStyle: true, credentials: { accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey }, requestChecksumCalculation: 'WHEN_REQUIRED' });
    await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
    const blobs = new BlobServiceClient(azurite.endpoint, new StorageSharedKeyCredential(azurite.account, azurite.accountKey));
    const container = blobs.getContainerClient('bench');
    await container.create();
    const config = parseConfig(
      {
        storages: [
          { id: 's3', type: 's3', default: true, bucket: 'bench', endpoint: swift.endpoint, region: swift.region, force_path_style: true, access_key_id: swift.accessKeyId, secret_access_key: swift.secretAccessKey },
          { id: 'azure', type: 'azure', container: 'bench', account: azurite.account, account_key: azurite.accountKey, endpoint: azurite.endpoint },
        ],
        auth: { api_keys: { [KEY]: { user: 'bench', tenant: 'bench' } } },
      },
      loadServerEnv({ PORT: '0', HOST: '127.0.0.1' }),
      'bench',
    );
    const broker = await runBroker(config);
    const path = join(dir, 'bench.bin');
    await writeFile(path, randomBytes(sizeMiB * MiB));

    // Azurite keeps blobs in memory, 1 GiB at most: empty it between runs.
    const emptyContainer = async () => {
      for await (const blob of container.listBlobsFlat()) await container.deleteBlob(blob.name);
    };
    let n = 0;
    const client = (storageId: string) => async (): Promise<Timing> => {
      const source = { ...(await fileSource(path)), name: `bench-${n++}.bin` };
      const start = performance.now();
      let hashedAt = start;
      const task = upload(source, { url: broker.url, headers: { 'X-API-Key': KEY }, storageId, parallel });
      task.on('state', (s) => s === 'uploading' && (hashedAt = performance.now()));
      await task.done;
      return { ms: performance.now() - start, hashMs: hashedAt - start };
    };
    const awsSdk = async (): Promise<Timing> => {
      const start = performance.now();
      await new Upload({ client: s3, params: { Bucket: 'bench', Key: `sdk-${n++}.bin`, Body: createReadStream(path) }, queueSize: parallel, partSize: 5 * MiB }).done();
      return { ms: performance.now() - start };
    };
    const azureSdk = async (): Promise<Timing> => {
      const start = performance.now();
      await container.getBlockBlobClient(`sdk-${n++}.bin`).uploadFile(path, { blockSize: 4 * MiB, concurrency: parallel, maxSingleShotSize: 4 * MiB }); // else ≤ 256 MiB goes in one Put Blob
      return { ms: performance.now() - start };
    };
    const results = await bestOf([
      ['S3/Swift  signpost client', client('s3')],
      ['S3/Swift  @aws-sdk/lib-storage Upload', awsSdk],
      ['Azurite   signpost client', client('azure')],
      ['Azurite   @azure/storage-blob uploadFile', azureSdk],
    ], emptyContainer);
    console.log(`\n${sizeMiB} MiB file, ${parallel} parts in flight, best of ${runs} (S3 parts 5 MiB, Azure blocks 4 MiB)`);
    for (const r of results) {
      const rate = (sizeMiB / (r.ms / 1000)).toFixed(1).padStart(7);
      const hash = r.hashMs === undefined ? '' : `  (of which whole-file MD5 ${Math.round(r.hashMs)} ms; upload alone ${(sizeMiB / ((r.ms - r.hashMs) / 1000)).toFixed(1)} MiB/s)`;
      console.log(`${r.label.padEnd(42)} ${rate} MiB/s  ${Math.round(r.ms)} ms${hash}`);
    }
    // Ratios of the pairs measured above, in this same run.
    for (const [store, ours, sdk] of [['S3/Swift', results[0], results[1]], ['Azurite ', results[2], results[3]]] as const) {
      if (!ours || !sdk) continue;
      const uploadOnly = ours.ms - (ours.hashMs ?? 0);
      console.log(`${store}  signpost/SDK time ratio ${(ours.ms / sdk.ms).toFixed(2)}x overall, ${(uploadOnly / sdk.ms).toFixed(2)}x without the whole-file MD5`);
    }
    await broker.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
    await Promise.allSettled([swift.stop(), azurite.stop()]);
  }
}

await main();
