// Broker memory under uploads: the broker runs as a child process (as main.ts runs it),
// clients upload generated files through it to Swift (S3) from this process, and the
// child's RSS is sampled from /proc before, during (peak) and after each scenario:
//   many:  `count` concurrent uploads of `manyMiB` each (20 × 256 MiB by default)
//   small: one upload of `smallMiB` (64 MiB)      big: one upload of `bigMiB` (1 GiB)
// The broker never carries file bytes (clients PUT them to the store), so its growth
// should not follow the bytes: < 50 MiB for the many, the same for big as for small.
// Files are generated as they are read (no disk), each part's bytes distinct.
//   npx tsx scripts/bench/broker-memory.ts [count=20] [manyMiB=256] [smallMiB=64] [bigMiB=1024]
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { upload, type UploadSource } from '../../src/client/node.js';
import { startSwift } from '../servers/swift.js';
import { startContender, table } from './bench-kit.js';

const MiB = 1024 * 1024;
const [count = 20, manyMiB = 256, smallMiB = 64, bigMiB = 1024] = process.argv.slice(2).map(Number);
const KEY = 'bench-key-0000000000000';
const PATTERN = randomBytes(MiB + 4096);

/** A file of `size` bytes made up as it is read: a random MiB, shifted by the offset and the seed. */
function generatedSource(name: string, size: number, seed: number): UploadSource {
  return {
    name,
    size,
    async slice(start, end) {
      const out = Buffer.allocUnsafe(Math.max(0, Math.min(end, size) - start));
      for (let filled = 0; filled < out.length; ) {
        const at = start + filled;
        const shift = (Math.floor(at / MiB) * 7919 + seed * 104_729) % 4096;
        filled += PATTERN.copy(out, filled, (at % MiB) + shift, Math.min(MiB + shift, (at % MiB) + shift + out.length - filled));
      }
      return out;
    },
  };
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  return kib / 1024;
}

interface Scenario {
  label: string;
  before: number;
  peak: number;
  after: number;
  seconds: number;
}

async function main(): Promise<void> {
  const swift = await startSwift();
  const s3 = new S3Client({ endpoint: swift.endpoint, region: swift.region, forcePathStyle: true, credentials: { accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey }, requestChecksumCalculation: 'WHEN_REQUIRED' });
  await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
  const config = {
    storages: [{ id: 's3', type: 's3', default: true, bucket: 'bench', endpoint: swift.endpoint, region: swift.region, force_path_style: true, access_key_id: swift.accessKeyId, secret_access_key: swift.secretAccessKey }],
    auth: { api_keys: { [KEY]: { user: 'bench', tenant: 'bench' } } },
  };
  const broker = await startContender({ kind: 'broker', config, env: { LOG_LEVEL: 'warn' } });
  let n = 0;
  const send = (sizeMiB: number) => upload(generatedSource(`mem-${n}.bin`, sizeMiB * MiB, n++), { url: broker.url, headers: { 'X-API-Key': KEY }, parallel: 4 }).done;
  const scenario = async (label: string, uploads: number, sizeMiB: number): Promise<Scenario> => {
    const before = await rssMiB(broker.pid);
    let peak = before;
    const sampler = setInterval(() => void rssMiB(broker.pid).then((rss) => (peak = Math.max(peak, rss)), () => undefined), 100);
    const start = performance.now();
    try {
      await Promise.all(Array.from({ length: uploads }, () => send(sizeMiB)));
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - start) / 1000;
    const after = await rssMiB(broker.pid);
    return { label, before, peak: Math.max(peak, after), after, seconds };
  };
  try {
    // Warm-up: the first uploads load and compile what every later one uses.
    await Promise.all([send(16), send(16)]);
    const results = [await scenario(`1 × ${smallMiB} MiB`, 1, smallMiB), await scenario(`1 × ${bigMiB} MiB`, 1, bigMiB), await scenario(`${count} × ${manyMiB} MiB concurrent`, count, manyMiB)];
    console.log(`\nbroker RSS (MiB), child process pid ${broker.pid}, uploads to Swift with 4 parts in flight each; 1-min load ${loadavg()[0]?.toFixed(2)}`);
    console.log(
      table(
        ['scenario', 'before', 'peak', 'after', 'growth (peak − before)', 'seconds'],
        results.map((r) => [r.label, r.before, r.peak, r.after, r.peak - r.before, r.seconds]),
      ),
    );
  } finally {
    await broker.stop();
    await swift.stop();
  }
}

await main();
