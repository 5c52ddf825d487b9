// Listing one user's uploads out of 10,000 in Redis (issue 9), through the broker's PlaceOS
// route GET /?limit=1, old and new side by side on the same data: "old" is the listing this
// change replaced (ZREVRANGE of every id, HGETALL of every record, filtered and paged in
// memory), reproduced below; "new" is the repository's index-served listing (redis-listing.ts).
// Per contender: one request alone, 20 at once (wall time until all answered) with another
// user's GET /?limit=1 sent among them (its latency), and one filtered query (file_search).
// Broker and client share this process and a redis-server of its own; medians of --rounds
// interleaved rounds. Nothing else should be benchmarking on the machine meanwhile.
//   npx tsx scripts/bench/listing.ts [--uploads 10000] [--rounds 5]
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp, type AppDeps } from '../../src/app.js';
import { buildStorages } from '../../src/compose.js';
import { DEFAULT_COMPANION } from '../../src/config.js';
import { randomIds, systemClock } from '../../src/domain/clock.js';
import { DEFAULT_LIMITS } from '../../src/domain/context.js';
import type { ListQuery, ListResult, UploadRepository } from '../../src/domain/ports.js';
import { RecentRecords } from '../../src/domain/recent-records.js';
import type { UploadRecord } from '../../src/domain/upload.js';
import { pageOf } from '../../src/state/list-query.js';
import { decodeRecord } from '../../src/state/record-codec.js';
import { redisKeys } from '../../src/state/redis-keys.js';
import { connectRedis, createRedisRepository, guarded } from '../../src/state/redis.js';
import { startRedis } from '../servers/redis.js';
import { median, option, table, within } from './bench-kit.js';

const UPLOADS = Math.min(100_000, Number(option('uploads', '10000')));
const ROUNDS = Math.min(20, Number(option('rounds', '5')));
const PREFIX = 'bench';
const KEYS = { alice: 'key-alice-bench-000001', bob: 'key-bob-bench-00000001' };

/** The listing this change replaced, as it was: every id, every record, filtered in memory. */
function oldList(redis: ReturnType<typeof connectRedis>): (query: ListQuery) => Promise<ListResult> {
  const keys = redisKeys(PREFIX);
  return (query) => guarded('list', async () => {
    const ids = await redis.zrevrange(keys.owner(query.tenant, query.owner), 0, -1);
    const hashes = await Promise.all(ids.map((id) => redis.hgetall(keys.record(id))));
    const records = hashes.flatMap((hash) => decodeRecord(hash) ?? []);
    return pageOf(records, query);
  });
}

function record(owner: string, n: number, now: number): UploadRecord {
  const id = `uploads-${randomUUID()}`;
  return {
    id, owner, tenant: 'acme', storageId: 's3', objectKey: `acme/${id}.bin`, fileName: n % 10 === 0 ? `clip-${n}.mp4` : `photo-${n}.jpg`,
    fileSize: 1_000 + n, mime: 'application/octet-stream', permissions: 'none', public: false, tags: ['signage'], state: 'complete',
    kind: 'direct', integrity: 'store-md5', temporary: false, partSize: 0, partCount: 0, createdAt: now - UPLOADS + n, updatedAt: now, expiresAt: now + 86_400_000, uploadToken: randomUUID(),
  };
}

async function listen(deps: AppDeps): Promise<{ server: Server; url: string }> {
  const server = createServer(createApp(deps));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/engine/v2/uploads` };
}

/** Answers other than 200 per contender: the old listing's commands time out under load (503). */
const failures = new Map<string, string[]>();

async function timed(name: string, url: string, key: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(url, { headers: { 'X-API-Key': key } });
  const body = await res.text();
  if (res.status !== 200) failures.set(name, [...(failures.get(name) ?? []), `${res.status} ${body.slice(0, 120)}`]);
  return performance.now() - started;
}

const redisServer = await startRedis();
try {
  const repo = createRedisRepository({ redis: connectRedis(redisServer.url), clock: systemClock, keyPrefix: PREFIX });
  const now = Date.now();
  await within(300_000, 'creating the uploads', async () => {
    for (let start = 0; start < UPLOADS; start += 250) {
      await Promise.all(Array.from({ length: Math.min(250, UPLOADS - start) }, (_, i) => repo.create(record('alice', start + i, now))));
    }
    await Promise.all(Array.from({ length: 10 }, (_, n) => repo.create(record('bob', n, now))));
  });
  const base: AppDeps = {
    basePath: '/api/engine/v2/uploads', v1BasePath: '/api/v1', companion: { ...DEFAULT_COMPANION, tokenSecret: randomUUID() }, corsOrigins: [],
    auth: { apiKeys: { [KEYS.alice]: { user: 'alice', tenant: 'acme', roles: [] }, [KEYS.bob]: { user: 'bob', tenant: 'acme', roles: [] } } },
    logger: pino({ level: process.env['BENCH_LOG_LEVEL'] ?? 'silent' }), repo, formArrivals: new Set(), recentRecords: new RecentRecords(), clock: systemClock, ids: randomIds, limits: DEFAULT_LIMITS,
    // Listing never reaches the store: a storage on a closed port is enough.
    storages: buildStorages([{ id: 's3', type: 's3', isDefault: true, filters: {}, s3: { bucket: 'b', region: 'us-east-1', endpoint: 'http://127.0.0.1:9', forcePathStyle: true, accessKeyId: 'x', secretAccessKey: 'y', signContentLength: true } }]),
  };
  const oldRepo: UploadRepository = { ...repo, list: oldList(connectRedis(redisServer.url)) };
  const contenders = [
    { name: 'old', ...(await listen({ ...base, repo: oldRepo })) },
    { name: 'new', ...(await listen(base)) },
  ];
  const samples = new Map(contenders.map((c) => [c.name, { alone: [] as number[], twenty: [] as number[], other: [] as number[], filtered: [] as number[] }]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const { name, url } of contenders) {
      const s = samples.get(name);
      if (!s) continue;
      await timed(name, `${url}/?limit=1`, KEYS.alice); // warm-up
      s.alone.push(await timed(name, `${url}/?limit=1`, KEYS.alice));
      const started = performance.now();
      const burst = Array.from({ length: 20 }, () => timed(name, `${url}/?limit=1`, KEYS.alice));
      const other = timed(name, `${url}/?limit=1`, KEYS.bob);
      await Promise.all(burst);
      s.twenty.push(performance.now() - started);
      s.other.push(await other);
      s.filtered.push(await timed(name, `${url}/?limit=1&file_search=clip`, KEYS.alice));
    }
  }
  const ms = (values: number[]) => median(values).toFixed(1);
  console.log(`${UPLOADS} uploads of one user in Redis; GET /?limit=1, medians of ${ROUNDS} rounds (ms)`);
  console.log(table(['listing', 'one alone', '20 at once (all)', "another user's, among them", 'file_search=clip'], contenders.map(({ name }) => {
    const s = samples.get(name) ?? { alone: [], twenty: [], other: [], filtered: [] };
    return [name, ms(s.alone), ms(s.twenty), ms(s.other), ms(s.filtered)];
  })));
  for (const [name, answers] of failures) console.log(`${name}: ${answers.length} answers were not 200, e.g. ${answers[0]}`);
  for (const { server } of contenders) server.close();
  await repo.close();
} finally {
  await redisServer.stop();
}
process.exit(0);
