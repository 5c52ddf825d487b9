// The whole-file MD5 pass of upload() alone, on a file on disk (page cache warm): nodeHasher
// over fileSource, against node:crypto over fs.createReadStream (the floor), in MiB/s.
//   npx tsx scripts/bench/hash-pass.ts [MiB=256] [runs=3]
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSource, nodeHasher } from '../../src/client/node.js';

const MiB = 1024 * 1024;
const [sizeMiB = 256, runs = 3] = process.argv.slice(2).map(Number);
const dir = await mkdtemp(join(tmpdir(), 'signpost-hash-'));
try {
  const path = join(dir, 'f.bin');
  await writeFile(path, randomBytes(sizeMiB * MiB));
  for (let i = 0; i < runs; i++) {
    let start = performance.now();
    const source = await fileSource(path);
    await nodeHasher.md5(source, 0, source.size);
    const ours = performance.now() - start;
    start = performance.now();
    const hash = createHash('md5');
    for await (const chunk of createReadStream(path, { highWaterMark: MiB })) hash.update(chunk as Buffer);
    hash.digest();
    const floor = performance.now() - start;
    console.log(`nodeHasher over fileSource ${(sizeMiB / (ours / 1000)).toFixed(0)} MiB/s (${Math.round(ours)} ms); createReadStream + createHash ${(sizeMiB / (floor / 1000)).toFixed(0)} MiB/s (${Math.round(floor)} ms)`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
