// A V8 CPU profile of the Signpost client uploading one random file to Swift through an
// in-process broker (logging at warn; its PATCHes are in the profile too), the upload alone
// profiled; summarise it with profile-summary.ts. Prints wall and CPU time of the upload.
//   npx tsx scripts/bench/client-profile.ts [MiB=64] [out=client.cpuprofile]
//   npx tsx scripts/bench/profile-summary.ts client.cpuprofile 30
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Session } from 'node:inspector/promises';
import { fileSource, upload } from '../../src/client/node.js';
import { loadServerEnv, parseConfig } from '../../src/config.js';
import { runBroker } from '../../src/main.js';
import { startSwift } from '../servers/swift.js';
const MiB = 1024 * 1024;
const swift = await startSwift();
const dir = await mkdtemp(join(tmpdir(), 'prof-'));
const s3 = new S3Client({ endpoint: swift.endpoint, region: swift.region, forcePathStyle: true, credentials: { accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey } });
await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
const KEY = 'bench-key-0000000000000';
const config = parseConfig({ storages: [{ id: 's3', type: 's3', default: true, bucket: 'bench', endpoint: swift.endpoint, region: swift.region, force_path_style: true, access_key_id: swift.accessKeyId, secret_access_key: swift.secretAccessKey }], auth: { api_keys: { [KEY]: { user: 'b', tenant: 'b' } } } }, loadServerEnv({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' }), 'x');
const broker = await runBroker(config);
const path = join(dir, 'f.bin');
await writeFile(path, randomBytes(Number(process.argv[2] ?? 64) * MiB));
const s = new Session(); s.connect(); await s.post('Profiler.enable'); await s.post('Profiler.setSamplingInterval', { interval: 200 }); await s.post('Profiler.start');
const cpu0 = process.cpuUsage(); const t0 = performance.now();
const task = upload({ ...(await fileSource(path)), name: 'p.bin' }, { url: broker.url, headers: { 'X-API-Key': KEY }, storageId: 's3', parallel: 4 });
await task.done;
const t1 = performance.now(); const cpu = process.cpuUsage(cpu0);
const { profile } = await s.post('Profiler.stop');
const out = process.argv[3] ?? 'client.cpuprofile';
await writeFile(out, JSON.stringify(profile));
console.log('profile written to', out);
console.log('ms', Math.round(t1 - t0), 'cpu ms', Math.round((cpu.user + cpu.system) / 1000));
await broker.close(); await rm(dir, { recursive: true, force: true }); await swift.stop();
