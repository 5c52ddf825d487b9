// The sign path under load, side by side in one run (interleaved rounds, medians): the
// broker's PlaceOS PATCH ?part=N with an API key and with an HS256 JWT, a bare express 5
// route taking the same body and answering the broker's JSON, node:http with the AWS SDK's
// getSignedUrl per request, Uppy Companion's sign-part route (GET /s3/multipart/:uploadId/:n)
// on the same Swift, and API v1's batch signing route in parts per second. Each
// server is a child pinned to core 0; wrk (one thread, 16 connections) and Redis share core 1.
// CPU per request is the server's own (process.cpuUsage), Redis's beside it (INFO cpu).
// --baseline <checkout> runs that checkout's broker too, in the same rounds: before and after
// measured under the same load (the checkout needs this folder's bench files and node_modules).
//   npx tsx scripts/bench/sign-path.ts [--rounds 5] [--seconds 3] [--connections 16] [--batch 4]
//     [--baseline <checkout>] [--profile <dir>] [--only '<label part>|…']
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { startRedis } from '../servers/redis.js';
import { startSwift } from '../servers/swift.js';
import { LOAD_CORE, median, option, pin, runWrk, startContender, table, within, WrkScripts, type Contender, type WrkRequest } from './bench-kit.js';

const ROUNDS = Math.min(20, Number(option('rounds', '5')));
const SECONDS = Math.min(30, Number(option('seconds', '3')));
const CONNECTIONS = Number(option('connections', '16'));
const BATCH = Number(option('batch', '4'));
const PROFILE_DIR = option('profile', '');
/** Run only the scenarios whose label contains one of these ('|'-separated), e.g. for a profile of one. */
const ONLY = option('only', '').split('|').filter(Boolean);
const BASELINE = option('baseline', '');

const API_KEY = 'bench-key-0000000000000000';
const JWT_SECRET = 'bench-jwt-secret-0123456789abcdef';
const UPLOADS = 16;
const PART_MD5 = randomBytes(16);
const MiB = 1024 * 1024;
const PLACEOS = '/api/engine/v2/uploads';

async function json(url: string, init: RequestInit & { headers: Record<string, string> }): Promise<Record<string, unknown>> {
  const answer = await fetch(url, init);
  const text = await answer.text();
  if (!answer.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${answer.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

const key = { 'X-API-Key': API_KEY, 'Content-Type': 'application/json' };
const md5Query = encodeURIComponent(PART_MD5.toString('base64'));

interface Prepared {
  placeosIds: string[];
  v1Ids: string[];
  v1Parts: number;
  patchAnswer: Record<string, unknown>;
  v1Answer: Record<string, unknown>;
}

/** 16 PlaceOS uploads of 10,000 parts (their multipart id reported) and 16 API v1 multipart uploads. */
async function prepareUploads(broker: Contender): Promise<Prepared> {
  const placeosIds: string[] = [];
  for (let i = 0; i < UPLOADS; i++) {
    const created = await json(`${broker.url}${PLACEOS}/`, { method: 'POST', headers: key, body: JSON.stringify({ file_name: `bench-${i}.bin`, file_size: 10_000 * 5 * MiB, file_id: randomBytes(16).toString('base64') }) });
    const id = String(created['upload_id']);
    await json(`${broker.url}${PLACEOS}/${id}?part=1&file_id=${md5Query}`, { method: 'PATCH', headers: key, body: JSON.stringify({ resumable_id: `bench-multipart-${id}` }) });
    placeosIds.push(id);
  }
  const patchBody = JSON.stringify({ part_list: [1], part_data: [{ part: 1, md5: PART_MD5.toString('hex') }] });
  const patchAnswer = await json(`${broker.url}${PLACEOS}/${placeosIds[0]}?part=2&file_id=${md5Query}`, { method: 'PATCH', headers: key, body: patchBody });
  // Initiated in Swift by the broker.
  const v1Ids: string[] = [];
  let v1Parts = 0;
  for (let i = 0; i < UPLOADS; i++) {
    const created = await json(`${broker.url}/api/v1/uploads`, { method: 'POST', headers: key, body: JSON.stringify({ filename: `bench-v1-${i}.bin`, size: 10_000 * 5 * MiB }) });
    v1Ids.push(String(created['id']));
    v1Parts = Number(created['part_count']);
  }
  const v1Body = JSON.stringify({ parts: Array.from({ length: BATCH }, (_, k) => ({ number: 1 + k, md5: PART_MD5.toString('base64') })) });
  const v1Answer = await json(`${broker.url}/api/v1/uploads/${v1Ids[0]}/parts`, { method: 'POST', headers: key, body: v1Body });
  return { placeosIds, v1Ids, v1Parts, patchAnswer, v1Answer };
}

async function main(): Promise<void> {
  const [redis, swift] = await Promise.all([startRedis(), startSwift()]);
  const scripts = await WrkScripts.create();
  const contenders: Contender[] = [];
  const monitor = new Redis(redis.url);
  try {
    pin(Number(/process_id:(\d+)/.exec(await monitor.info('server'))?.[1] ?? -1), LOAD_CORE);
    const s3 = new S3Client({ endpoint: swift.endpoint, region: swift.region, forcePathStyle: true, credentials: { accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey } });
    await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
    s3.destroy();
    const s3Options = { endpoint: swift.endpoint, region: swift.region, bucket: 'bench', accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey };
    const config = {
      storages: [{ id: 's3', type: 's3', default: true, bucket: 'bench', endpoint: swift.endpoint, region: swift.region, force_path_style: true, access_key_id: swift.accessKeyId, secret_access_key: swift.secretAccessKey }],
      auth: { api_keys: { [API_KEY]: { user: 'bench', tenant: 'bench' } }, jwt: { hs256_secret: JWT_SECRET } },
    };
    // LOG_LEVEL info: the broker's default, one line per request.
    const brokerSettings = { kind: 'broker', config, env: { REDIS_URL: redis.url, LOG_LEVEL: 'info' } } as const;
    const broker = await startContender(brokerSettings);
    contenders.push(broker);
    const current = await prepareUploads(broker);
    const baseline = BASELINE ? await startContender(brokerSettings, { root: BASELINE }) : undefined;
    if (baseline) contenders.push(baseline);
    const before = baseline && (await prepareUploads(baseline));
    const { patchAnswer, v1Answer } = current;

    const jwt = await new SignJWT({ tenant: 'bench' }).setProtectedHeader({ alg: 'HS256' }).setSubject('bench').setExpirationTime('2h').sign(new TextEncoder().encode(JWT_SECRET));
    const express = await startContender({ kind: 'express', answer: patchAnswer });
    const expressV1 = await startContender({ kind: 'express', answer: v1Answer });
    const naive = await startContender({ kind: 'naive', s3: s3Options });
    const companion = await startContender({ kind: 'companion', s3: s3Options });
    contenders.push(express, expressV1, naive, companion);

    // Request n goes to upload n mod 16, part ⌊n/16⌋ mod 10,000 + 2, reporting the part before it done.
    const patchRequest = (uploads: Prepared, auth: Record<string, string>): WrkRequest => ({
      method: 'PATCH',
      headers: { ...auth, 'Content-Type': 'application/json' },
      preludeLua: `local ids = { ${uploads.placeosIds.map((id) => JSON.stringify(id)).join(', ')} }\nlocal hex = ${JSON.stringify(PART_MD5.toString('hex'))}`,
      pathLua: `"${PLACEOS}/" .. ids[(n % #ids) + 1] .. "?part=" .. ((math.floor(n / #ids) % 9999) + 2) .. "&file_id=${md5Query}"`,
      bodyLua: `string.format('{"part_list":[%d],"part_data":[{"part":%d,"md5":"%s"}]}', (math.floor(n / #ids) % 9999) + 1, (math.floor(n / #ids) % 9999) + 1, hex)`,
    });
    const v1Request = (uploads: Prepared): WrkRequest => ({
      method: 'POST',
      headers: key,
      preludeLua: `local ids = { ${uploads.v1Ids.map((id) => JSON.stringify(id)).join(', ')} }\nlocal md5 = ${JSON.stringify(PART_MD5.toString('base64'))}\nlocal batch = ${BATCH}\nlocal last = ${uploads.v1Parts}
local function parts(first)
  local out = {}
  for k = 0, batch - 1 do out[#out + 1] = string.format('{"number":%d,"md5":"%s"}', ((first + k - 1) % last) + 1, md5) end
  return '{"parts":[' .. table.concat(out, ',') .. ']}'
end`,
      pathLua: `"/api/v1/uploads/" .. ids[(n % #ids) + 1] .. "/parts"`,
      bodyLua: `parts((math.floor(n / #ids) * batch) % last + 1)`,
    });
    // Companion signs a part of any upload id it is given (it asks the store nothing).
    const companionRequest: WrkRequest = {
      method: 'GET',
      headers: {},
      pathLua: `"/s3/multipart/bench-multipart/" .. ((n % 9999) + 1) .. "?key=bench%2Fcompanion.bin"`,
      bodyLua: 'nil',
    };
    const keyAuth = { 'X-API-Key': API_KEY };
    const jwtAuth = { Authorization: `Bearer ${jwt}` };
    type Scenario = { label: string; contender: Contender; script: string; partsPerRequest: number; redis: boolean };
    const brokerScenarios = async (label: string, contender: Contender, uploads: Prepared, tag: string): Promise<Scenario[]> => [
      { label: `${label} PATCH, API key`, contender, script: await scripts.write(`${tag}-patch-key`, patchRequest(uploads, keyAuth)), partsPerRequest: 1, redis: true },
      { label: `${label} PATCH, HS256 JWT`, contender, script: await scripts.write(`${tag}-patch-jwt`, patchRequest(uploads, jwtAuth)), partsPerRequest: 1, redis: true },
      { label: `${label} v1 batch (${BATCH} parts)`, contender, script: await scripts.write(`${tag}-v1-batch`, v1Request(uploads)), partsPerRequest: BATCH, redis: true },
    ];
    const scenarios: Scenario[] = [
      ...(await brokerScenarios('Signpost', broker, current, 'current')),
      ...(baseline && before ? await brokerScenarios('baseline', baseline, before, 'baseline') : []),
      { label: 'bare express 5, same body', contender: express, script: await scripts.write('patch-express', patchRequest(current, keyAuth)), partsPerRequest: 1, redis: false },
      { label: 'node http + getSignedUrl', contender: naive, script: await scripts.write('patch-naive', patchRequest(current, keyAuth)), partsPerRequest: 1, redis: false },
      { label: 'Uppy Companion 6.2.2 sign-part', contender: companion, script: await scripts.write('companion-sign', companionRequest), partsPerRequest: 1, redis: false },
      { label: 'bare express 5, v1 body', contender: expressV1, script: await scripts.write('v1-express', v1Request(current)), partsPerRequest: BATCH, redis: false },
    ];

    if (ONLY.length > 0) scenarios.splice(0, scenarios.length, ...scenarios.filter((s) => ONLY.some((part) => s.label.includes(part))));
    const redisCpu = async () => {
      const info = await monitor.info('cpu');
      const field = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? 0);
      return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
    };
    type Sample = { rps: number; cpuUs: number; redisUs: number; p50Ms: number; p99Ms: number };
    const samples = new Map<string, Sample[]>(scenarios.map((s) => [s.label, []]));
    // Warm-up: JIT, connection pools, Redis scripts loaded.
    for (const scenario of scenarios) await runWrk(scenario.contender.url, scenario.script, { seconds: 1, connections: CONNECTIONS });
    if (PROFILE_DIR) await broker.startProfile();
    for (let round = 0; round < ROUNDS; round++) {
      for (const scenario of scenarios) {
        const [cpu0, redis0] = await Promise.all([scenario.contender.cpu(), redisCpu()]);
        const result = await runWrk(scenario.contender.url, scenario.script, { seconds: SECONDS, connections: CONNECTIONS });
        const [cpu1, redis1] = await Promise.all([scenario.contender.cpu(), redisCpu()]);
        if (result.errors > 0) throw new Error(`${scenario.label}: ${result.errors} failed requests in round ${round + 1}`);
        samples.get(scenario.label)?.push({ rps: result.rps, cpuUs: (cpu1 - cpu0) / result.requests, redisUs: scenario.redis ? (redis1 - redis0) / result.requests : Number.NaN, p50Ms: result.p50Ms, p99Ms: result.p99Ms });
      }
      process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
    }
    if (PROFILE_DIR) {
      const path = join(PROFILE_DIR, `broker-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
      await broker.stopProfile(path);
      console.log(`broker profile (measured rounds only): ${path}`);
    }

    const summary = scenarios.map((scenario) => {
      const s = samples.get(scenario.label) ?? [];
      return { ...scenario, rps: median(s.map((x) => x.rps)), cpuUs: median(s.map((x) => x.cpuUs)), redisUs: median(s.map((x) => x.redisUs)), p50Ms: median(s.map((x) => x.p50Ms)), p99Ms: median(s.map((x) => x.p99Ms)), rpsSpread: [Math.min(...s.map((x) => x.rps)), Math.max(...s.map((x) => x.rps))] };
    });
    const byLabel = (prefix: string) => summary.find((s) => s.label.startsWith(prefix));
    const bare = byLabel('bare express 5, same')?.rps ?? Number.NaN;
    const naiveRps = byLabel('node http')?.rps ?? Number.NaN;
    const bareV1 = byLabel('bare express 5, v1')?.rps ?? Number.NaN;
    // Parts signed per second: Companion signs one part a request.
    const companionRps = byLabel('Uppy Companion')?.rps ?? Number.NaN;
    if (baseline) console.log(`\nbaseline: the broker of ${BASELINE}`);
    console.log(`\nSign path: ${ROUNDS} interleaved rounds of ${SECONDS} s, wrk -t1 -c${CONNECTIONS}, medians; server pinned to one core`);
    console.log(
      table(
        ['', 'req/s', 'parts/s', 'CPU µs/req', 'Redis µs/req', 'p50 ms', 'p99 ms', '× bare express', '× naive', '× Companion (parts/s)'],
        summary.map((s) => {
          const reference = s.label.includes('v1') ? bareV1 : bare;
          return [s.label, s.rps, s.rps * s.partsPerRequest, s.cpuUs, s.redisUs, s.p50Ms, s.p99Ms, s.rps / reference, s.label.includes('v1') ? Number.NaN : s.rps / naiveRps, (s.rps * s.partsPerRequest) / companionRps];
        }),
      ),
    );
  } finally {
    await Promise.all(contenders.map((c) => within(20_000, 'stop contender', () => c.stop()).catch(() => undefined)));
    monitor.disconnect();
    await Promise.all([redis.stop(), swift.stop(), scripts.remove()]);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
