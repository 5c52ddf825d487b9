// Finish and resume of a PlaceOS upload of 10,000 parts, through the broker (a child pinned
// to core 0) on a real Redis and Swift's S3 API: the finish PATCH carrying the client's whole
// part_list/part_data (as @placeos/cloud-uploads sends it), and the resume POST, whose answer
// lists the 10,000 parts the store holds and the broker signed. Also: the longest Redis
// script while they ran (SLOWLOG, every command logged), Redis bytes per recorded part
// (MEMORY USAGE), and for comparison Swift's own listing of the parts (the SDK's ListParts
// pages from this process). A resume lists the parts in the store: during the measured runs
// Swift's ListParts answers are replayed from memory (listing-replay.ts) so the figure is the
// broker's own cost, not Swift's Python walking 10,000 parts on a busy machine.
// --baseline <checkout> runs that checkout's broker too (its own Redis, the same Swift
// multipart upload reported to it, the same listing replayed), runs interleaved.
// --fresh K: after the runs, K more uploads per side are signed (not sent: a finish never asks
// the store) and each finished once, the finish that marks every part done, on a broker whose
// code is warm (the "first finish" above is the process's first and runs cold).
//   npx tsx scripts/bench/parts-10k.ts [--runs 15] [--parts 10000] [--fresh 3] [--baseline <checkout>] [--profile <dir>]
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CreateBucketCommand, CreateMultipartUploadCommand, ListPartsCommand, S3Client } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { redisKeys } from '../../src/state/redis-keys.js';
import { startRedis, type RedisServer } from '../servers/redis.js';
import { startSwift } from '../servers/swift.js';
import { LOAD_CORE, median, option, pin, startContender, table, within, type Contender } from './bench-kit.js';
import { startListingReplay } from './listing-replay.js';

const RUNS = Math.min(50, Number(option('runs', '15')));
const PARTS = Math.min(10_000, Number(option('parts', '10000')));
const PROFILE_DIR = option('profile', '');
const BASELINE = option('baseline', '');
const FRESH = Math.min(10, Number(option('fresh', '3')));
const API_KEY = 'bench-key-0000000000000000';
const PLACEOS = '/api/engine/v2/uploads';
const MiB = 1024 * 1024;
const HEADERS = { 'X-API-Key': API_KEY, 'Content-Type': 'application/json' };
// Every part holds the same one byte, so every part has the same MD5.
const PART_BYTES = Buffer.from('x');
const PART_MD5 = createHash('md5').update(PART_BYTES).digest();
const MD5_QUERY = encodeURIComponent(PART_MD5.toString('base64'));

async function timed(url: string, init: RequestInit & { headers: Record<string, string> }): Promise<{ ms: number; body: Record<string, unknown> }> {
  const start = performance.now();
  const answer = await fetch(url, init);
  const text = await answer.text();
  const ms = performance.now() - start;
  if (!answer.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${answer.status} ${text.slice(0, 500)}`);
  return { ms, body: JSON.parse(text) as Record<string, unknown> };
}

/** A request's time as the client waits, and the broker's CPU (user + system) while it ran. */
async function withCpu(broker: Contender, request: () => Promise<{ ms: number }>): Promise<{ ms: number; cpuMs: number }> {
  const before = await broker.cpu();
  const { ms } = await request();
  return { ms, cpuMs: ((await broker.cpu()) - before) / 1000 };
}

/** Bounded parallel loop over 0..count-1. */
async function parallel(count: number, width: number, run: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) await run(next++);
  }));
}

interface Side {
  label: string;
  broker: Contender;
  redis: RedisServer;
  monitor: Redis;
  file: { file_name: string; file_size: number; file_id: string };
  id: string;
  key: string;
}

/** A broker on its own Redis with an upload of PARTS parts created (not yet signed). */
async function side(label: string, storeEndpoint: string, region: string, credentials: { accessKeyId: string; secretAccessKey: string }, root?: string): Promise<Side> {
  const redis = await startRedis();
  const monitor = new Redis(redis.url);
  pin(Number(/process_id:(\d+)/.exec(await monitor.info('server'))?.[1] ?? -1), LOAD_CORE);
  const config = {
    // Parts are one byte: nothing binds their planned length (sign_content_length off).
    storages: [{ id: 's3', type: 's3', default: true, bucket: 'bench', endpoint: storeEndpoint, region, force_path_style: true, access_key_id: credentials.accessKeyId, secret_access_key: credentials.secretAccessKey, sign_content_length: false }],
    auth: { api_keys: { [API_KEY]: { user: 'bench', tenant: 'bench' } } },
  };
  const broker = await startContender({ kind: 'broker', config, env: { REDIS_URL: redis.url, LOG_LEVEL: 'info' } }, root === undefined ? {} : { root });
  return { label, broker, redis, monitor, ...(await newUpload(broker.url)) };
}

/** A new upload of PARTS parts (a file of its own: a new MD5). */
async function newUpload(brokerUrl: string): Promise<{ file: Side['file']; id: string; key: string }> {
  const file = { file_name: 'ten-thousand-parts.bin', file_size: PARTS * 5 * MiB, file_id: randomBytes(16).toString('base64') };
  const created = (await timed(`${brokerUrl}${PLACEOS}/`, { method: 'POST', headers: HEADERS, body: JSON.stringify(file) })).body;
  if (Number(created['part_count']) !== PARTS) throw new Error(`the plan has ${String(created['part_count'])} parts, not ${PARTS}`);
  const key = decodeURIComponent(new URL(String((created['signature'] as { url: string }).url)).pathname.replace(/^\/bench\//, ''));
  return { file, id: String(created['upload_id']), key };
}

/** Every part signed by the side's broker (PATCH ?part=N), 32 at a time; `send` PUTs it. */
async function signAll(s: Side, uploadId: string, send?: (signature: { url: string; headers: Record<string, string> }) => Promise<void>, id = s.id): Promise<void> {
  const start = performance.now();
  const sign = async (part: number) => {
    // The first signature reports the multipart upload id (as the PlaceOS client does).
    const body = part === 1 ? { resumable_id: uploadId } : {};
    const signed = (await timed(`${s.broker.url}${PLACEOS}/${id}?part=${part}&file_id=${MD5_QUERY}`, { method: 'PATCH', headers: HEADERS, body: JSON.stringify(body) })).body;
    await send?.(signed['signature'] as { url: string; headers: Record<string, string> });
  };
  await sign(1);
  await within(900_000, `${s.label}: signing the parts`, () => parallel(PARTS - 1, 32, (index) => sign(index + 2)));
  process.stderr.write(`${s.label}: ${PARTS} parts signed${send ? ' and sent' : ''} in ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
}

async function main(): Promise<void> {
  const swift = await startSwift();
  const replay = await startListingReplay(swift.endpoint);
  const sides: Side[] = [];
  const s3 = new S3Client({ endpoint: swift.endpoint, region: swift.region, forcePathStyle: true, credentials: { accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
    const credentials = { accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey };
    const current = await side('Signpost', replay.endpoint, swift.region, credentials);
    sides.push(current);
    if (BASELINE) sides.push(await side('baseline', replay.endpoint, swift.region, credentials, BASELINE));
    // The client initiates the multipart upload (the broker signed the request; the SDK sends the same).
    const uploadId = (await s3.send(new CreateMultipartUploadCommand({ Bucket: 'bench', Key: current.key }))).UploadId ?? '';
    await signAll(current, uploadId, async (signature) => {
      // A loaded Swift answers 503 "reduce your request rate" or resets the connection: back off
      // and send again (at most 8 times).
      for (let attempt = 1; ; attempt++) {
        const put = await fetch(signature.url, { method: 'PUT', headers: signature.headers, body: PART_BYTES }).catch((error: unknown) => {
          if (attempt >= 8) throw error;
          return undefined;
        });
        if (put?.ok) return;
        const text = put ? await put.text() : '';
        if (put && (put.status !== 503 || attempt >= 8)) throw new Error(`PUT: ${put.status} ${text}`);
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      }
    });
    // The baseline's upload reports the same multipart upload: the replayed listing is this one's.
    for (const s of sides.slice(1)) await signAll(s, uploadId);

    const finishBody = JSON.stringify({
      part_list: Array.from({ length: PARTS }, (_, i) => i + 1),
      part_data: Array.from({ length: PARTS }, (_, i) => ({ part: i + 1, md5: PART_MD5.toString('hex') })),
    });
    const finish = (s: Side, id = s.id) => timed(`${s.broker.url}${PLACEOS}/${id}`, { method: 'PATCH', headers: HEADERS, body: finishBody });
    const resume = (s: Side) => timed(`${s.broker.url}${PLACEOS}/`, { method: 'POST', headers: HEADERS, body: JSON.stringify(s.file) });
    const listing = async () => {
      const start = performance.now();
      let marker: string | undefined;
      let count = 0;
      for (let page = 0; page < 100; page++) {
        const answer = await s3.send(new ListPartsCommand({ Bucket: 'bench', Key: current.key, UploadId: uploadId, MaxParts: 1000, ...(marker === undefined ? {} : { PartNumberMarker: marker }) }));
        count += answer.Parts?.length ?? 0;
        if (!answer.IsTruncated || answer.NextPartNumberMarker === undefined) break;
        marker = answer.NextPartNumberMarker;
      }
      if (count !== PARTS) throw new Error(`the store lists ${count} parts`);
      return performance.now() - start;
    };
    // Checks before measuring: finish names every part, resume confirms every part done (and
    // the current side's resume fills the replay with Swift's pages).
    // The first finish is the one that marks every part done (none was reported before): timed apart.
    const firsts = new Map<string, { finish: number; resume: number }>();
    for (const s of sides) {
      const first = await finish(s);
      if (!String(first.body['body']).includes(`<PartNumber>${PARTS}</PartNumber>`)) throw new Error(`${s.label}: the finish body lacks the last part`);
      const resumed = await resume(s);
      const confirmed = (resumed.body['part_list'] as number[]).length;
      if (confirmed !== PARTS) throw new Error(`${s.label}: resume confirms ${confirmed} parts`);
      firsts.set(s.label, { finish: first.ms, resume: resumed.ms });
      replay.freeze();
    }

    for (const s of sides) {
      await s.monitor.config('SET', 'slowlog-log-slower-than', '0');
      await s.monitor.config('SET', 'slowlog-max-len', '200000');
      await s.monitor.slowlog('RESET');
    }
    if (PROFILE_DIR) await current.broker.startProfile();
    const times = new Map(sides.map((s) => [s.label, { finish: [] as number[], resume: [] as number[], finishCpu: [] as number[], resumeCpu: [] as number[] }]));
    const listed: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      for (const s of sides) {
        const t = times.get(s.label);
        const finished = await withCpu(s.broker, () => finish(s));
        const resumed = await withCpu(s.broker, () => resume(s));
        t?.finish.push(finished.ms);
        t?.finishCpu.push(finished.cpuMs);
        t?.resume.push(resumed.ms);
        t?.resumeCpu.push(resumed.cpuMs);
      }
      if (run < 3) listed.push(await listing());
    }
    if (PROFILE_DIR) {
      const path = join(PROFILE_DIR, `broker-10k-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
      await current.broker.stopProfile(path);
      console.log(`broker profile (measured runs only): ${path}`);
    }

    // The runs' scripts, before the fresh uploads below sign 10,000 parts each.
    const slowlogs = new Map<string, Array<[number, number, number, string[]]>>();
    for (const s of sides) {
      slowlogs.set(s.label, (await s.monitor.slowlog('GET', 200_000)) as Array<[number, number, number, string[]]>);
      await s.monitor.config('SET', 'slowlog-log-slower-than', '10000');
    }
    // Finishes that mark every part done, on warm brokers: fresh uploads signed first.
    const fresh = new Map(sides.map((s) => [s.label, [] as number[]]));
    const freshCpu = new Map(sides.map((s) => [s.label, [] as number[]]));
    const freshScripts = new Map(sides.map((s) => [s.label, [] as number[]]));
    for (let k = 0; k < FRESH; k++) {
      for (const s of sides) {
        const upload = await newUpload(s.broker.url);
        await signAll(s, uploadId, undefined, upload.id);
        await s.monitor.slowlog('RESET');
        await s.monitor.config('SET', 'slowlog-log-slower-than', '0');
        const finished = await withCpu(s.broker, () => finish(s, upload.id));
        fresh.get(s.label)?.push(finished.ms);
        freshCpu.get(s.label)?.push(finished.cpuMs);
        await s.monitor.config('SET', 'slowlog-log-slower-than', '10000');
        const marked = (await s.monitor.slowlog('GET', 200_000)) as Array<[number, number, number, string[]]>;
        freshScripts.get(s.label)?.push(...marked.filter((entry) => /^eval/i.test(String(entry[3]?.[0] ?? ''))).map((entry) => entry[2] / 1000));
      }
    }
    console.log(`\n${PARTS} parts: ${RUNS} runs each, interleaved; ms as the client waits for the whole answer; each broker on its own Redis`);
    const rows: Array<Array<string | number>> = [];
    const redisRows: Array<Array<string | number>> = [];
    const notes: string[] = [];
    for (const s of sides) {
      const t = times.get(s.label) ?? { finish: [], resume: [], finishCpu: [], resumeCpu: [] };
      const first = firsts.get(s.label)?.finish ?? Number.NaN;
      rows.push([`${s.label}: first finish (marks every part done), once`, first, first, first, '']);
      const warm = fresh.get(s.label) ?? [];
      if (warm.length > 0) rows.push([`${s.label}: finish of a fresh upload, warm broker (×${warm.length})`, median(warm), Math.min(...warm), Math.max(...warm), median(freshCpu.get(s.label) ?? [])]);
      rows.push([`${s.label}: finish PATCH (part_data of every part)`, median(t.finish), Math.min(...t.finish), Math.max(...t.finish), median(t.finishCpu)]);
      rows.push([`${s.label}: resume POST (answers every part)`, median(t.resume), Math.min(...t.resume), Math.max(...t.resume), median(t.resumeCpu)]);
      const slow = slowlogs.get(s.label) ?? [];
      const scripts = slow.filter((entry) => /^eval/i.test(String(entry[3]?.[0] ?? '')));
      const longest = (entries: typeof slow) => entries.reduce((max, entry) => Math.max(max, entry[2]), 0) / 1000;
      const keys = redisKeys('upl');
      const partsBytes = Number(await s.monitor.call('MEMORY', 'USAGE', keys.parts(s.id), 'SAMPLES', '0'));
      const encoding = await s.monitor.object('ENCODING', keys.parts(s.id));
      const scriptMs = scripts.map((entry) => entry[2] / 1000);
      redisRows.push([s.label, scripts.length, median(scriptMs), longest(scripts), longest(slow), `${partsBytes.toLocaleString('en-US')} (${String(encoding)})`, partsBytes / PARTS]);
      const top = [...scripts].sort((a, b) => b[2] - a[2]).slice(0, 3).map((entry) => `${(entry[2] / 1000).toFixed(2)} ms (${entry[3].length} args)`);
      notes.push(`${s.label}: longest scripts ${top.join(', ')}`);
      const marking = freshScripts.get(s.label) ?? [];
      if (marking.length > 0) notes.push(`${s.label}: fresh finishes ran ${marking.length} scripts, median ${median(marking).toFixed(2)} ms, longest ${Math.max(...marking).toFixed(2)} ms`);
    }
    rows.push(['Swift\'s own ListParts pages (SDK, not replayed)', median(listed), Math.min(...listed), Math.max(...listed), '']);
    console.log(table(['', 'median ms', 'min ms', 'max ms', 'broker CPU ms (median)'], rows));
    console.log(`(Swift's ListParts answers replayed to the brokers ${replay.replayed()} times during the runs)\n`);
    console.log(table(['Redis', 'scripts run', 'median script ms', 'longest script ms', 'longest command ms', 'parts hash bytes', 'bytes per part'], redisRows));
    console.log(notes.join('\n'));
  } finally {
    for (const s of sides) {
      await s.broker.stop();
      s.monitor.disconnect();
      await s.redis.stop();
    }
    await replay.stop();
    s3.destroy();
    await swift.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
