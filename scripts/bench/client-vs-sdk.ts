// End to end: the Signpost client (broker-signed, part MD5s enforced by the store) against
// each store's own SDK uploader, and against tus (@tus/server + @tus/s3-store, which proxies
// the bytes), on the same file and the same local stores, in interleaved rounds:
//   S3 (OpenStack Swift's S3 API): signpost client vs @aws-sdk/lib-storage Upload vs tus
//   Azure (Azurite):               signpost client vs BlockBlobClient.uploadFile
// Same part size (5 MiB, the broker's plan on both stores) and concurrency on every side.
// The client's time includes its whole-file MD5 (the PlaceOS create needs it) and the
// broker's verification at finalize (on Azure a read-back of the blob); both shown apart.
//   npx tsx scripts/bench/client-vs-sdk.ts [MiB=128] [parallel=4] [runs=3]
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { fileSource, upload } from '../../src/client/node.js';
import { loadServerEnv, parseConfig } from '../../src/config.js';
import { runBroker } from '../../src/main.js';
import { startAzurite } from '../servers/azurite.js';
import { startSwift } from '../servers/swift.js';
import { median, table } from './bench-kit.js';
import { startTus } from './tus-contender.js';

const MiB = 1024 * 1024;
const PART = 5 * MiB;
const [sizeMiB = 128, parallel = 4, runs = 3] = process.argv.slice(2).map(Number);
const KEY = 'bench-key-0000000000000';

interface Timing {
  ms: number;
  /** CPU (user + system) of this process during the run: client, and broker or tus server. */
  cpuMs: number;
  hashMs?: number;
  finalizeMs?: number;
}

function cpuNow(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

async function timed(run: (mark: (phase: 'hashed' | 'finishing') => void) => Promise<void>): Promise<Timing> {
  const cpu = cpuNow();
  const start = performance.now();
  const marks: Partial<Record<'hashed' | 'finishing', number>> = {};
  await run((phase) => (marks[phase] ??= performance.now()));
  const end = performance.now();
  return {
    ms: end - start,
    cpuMs: cpuNow() - cpu,
    ...(marks.hashed === undefined ? {} : { hashMs: marks.hashed - start }),
    ...(marks.finishing === undefined ? {} : { finalizeMs: end - marks.finishing }),
  };
}

async function main(): Promise<void> {
  // Azurite frees a deleted blob's memory lazily: room for a few rounds' files at once.
  const [swift, azurite] = await Promise.all([startSwift(), startAzurite({ extentMemoryLimitMiB: Math.max(1024, 8 * sizeMiB) })]);
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
      // A request log line per PATCH at info cost the in-process broker CPU the SDKs never spend.
      loadServerEnv({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' }),
      'bench',
    );
    const broker = await runBroker(config);
    const tus = await startTus({ endpoint: swift.endpoint, region: swift.region, bucket: 'bench', accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey }, { partSize: PART, parallel });
    const path = join(dir, 'bench.bin');
    const size = sizeMiB * MiB;
    await writeFile(path, randomBytes(size));

    // Azurite keeps blobs in memory, 1 GiB at most: empty it between runs. The broker leases
    // a verified blob (sealed against requests signed before): break the lease to delete it.
    const emptyContainer = async () => {
      for await (const blob of container.listBlobsFlat()) {
        const client = container.getBlobClient(blob.name);
        if (blob.properties.leaseState === 'leased') await client.getBlobLeaseClient().breakLease(0);
        await client.delete();
      }
    };
    let n = 0;
    const client = (storageId: string) => () =>
      timed(async (mark) => {
        const source = { ...(await fileSource(path)), name: `bench-${n++}.bin` };
        const task = upload(source, { url: broker.url, headers: { 'X-API-Key': KEY }, storageId, parallel });
        task.on('state', (s) => (s === 'uploading' ? mark('hashed') : s === 'finishing' ? mark('finishing') : undefined));
        await task.done;
      });
    const awsSdk = () => timed(() => new Upload({ client: s3, params: { Bucket: 'bench', Key: `sdk-${n++}.bin`, Body: createReadStream(path) }, queueSize: parallel, partSize: PART }).done().then(() => undefined));
    // maxSingleShotSize: else a file up to 256 MiB goes in one Put Blob.
    const azureSdk = () => timed(() => container.getBlockBlobClient(`sdk-${n++}.bin`).uploadFile(path, { blockSize: PART, concurrency: parallel, maxSingleShotSize: PART }).then(() => undefined));
    const tusRun = () => timed(() => tus.upload(path, size, `tus-${n++}.bin`));

    const contenders: Array<[string, () => Promise<Timing>]> = [
      ['S3/Swift  signpost client', client('s3')],
      ['S3/Swift  @aws-sdk/lib-storage Upload', awsSdk],
      ['S3/Swift  tus-js-client → @tus/server + s3-store', tusRun],
      ['Azurite   signpost client', client('azure')],
      ['Azurite   @azure/storage-blob uploadFile', azureSdk],
    ];
    // Interleaved rounds: a busy machine slows every contender of a round alike.
    const timings = new Map<string, Timing[]>(contenders.map(([label]) => [label, []]));
    const loads: number[] = [];
    for (let round = 0; round < runs; round++) {
      for (const [label, run] of contenders) {
        timings.get(label)!.push(await run());
        await emptyContainer();
      }
      loads.push(loadavg()[0] ?? Number.NaN);
    }
    const med = (label: string, pick: (t: Timing) => number | undefined) => median(timings.get(label)!.flatMap((t) => (pick(t) === undefined ? [] : [pick(t)!])));
    console.log(`\n${sizeMiB} MiB file, ${parallel} parts in flight, 5 MiB parts, median of ${runs} interleaved rounds; 1-min load after each round: ${loads.map((l) => l.toFixed(2)).join(', ')}`);
    console.log(
      table(
        ['contender', 'MiB/s', 'ms', 'best ms', 'CPU ms', 'whole-file MD5 ms', 'finalize ms'],
        contenders.map(([label]) => {
          const ms = med(label, (t) => t.ms);
          return [label, sizeMiB / (ms / 1000), ms, Math.min(...timings.get(label)!.map((t) => t.ms)), med(label, (t) => t.cpuMs), med(label, (t) => t.hashMs), med(label, (t) => t.finalizeMs)];
        }),
      ),
    );
    // Ratios of medians measured above, in this same run (time: lower is better).
    const ratio = (a: string, b: string) => (med(a, (t) => t.ms) / med(b, (t) => t.ms)).toFixed(2);
    const [ourS3, sdkS3, tusS3, ourAz, sdkAz] = contenders.map(([label]) => label) as [string, string, string, string, string];
    // The transfer alone: without the whole-file MD5 before it and the broker's verification after.
    const transfer = (a: string, b: string) => (med(a, (t) => t.ms - (t.hashMs ?? 0) - (t.finalizeMs ?? 0)) / med(b, (t) => t.ms)).toFixed(2);
    console.log(`signpost/SDK time (Swift)   ${ratio(ourS3, sdkS3)}x  (transfer alone ${transfer(ourS3, sdkS3)}x)`);
    console.log(`signpost/SDK time (Azurite) ${ratio(ourAz, sdkAz)}x  (transfer alone ${transfer(ourAz, sdkAz)}x)`);
    console.log(`signpost/tus time (Swift)   ${ratio(ourS3, tusS3)}x`);
    await tus.close();
    await broker.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
    await Promise.allSettled([swift.stop(), azurite.stop()]);
  }
}

await main();
