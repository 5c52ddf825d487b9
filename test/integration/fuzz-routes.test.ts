// Property-based fuzzing of every route of every protocol (fast-check): requests generated
// from the request schemas (schemas/placeos, schemas/companion) and beyond them — wrong
// types, huge strings, odd unicode, bad percent-encoding, random JSON, bodies that are not
// JSON, wrong credentials — sent over a real socket to a broker on real stores (Swift,
// Azurite) and Redis. For every request: an answer (no dropped connection), never a 5xx,
// {error, message} on every 4xx, and after every refusal the upload it aimed at exactly as
// before (stored record and parts, the wire record, and for Uppy the parts the store lists).
// Fixed seeds (FUZZ_SEED to change them); fast-check prints the seed and the shrunk request
// of a failure. FUZZ_RUNS scales the number of runs.
import type { Server } from 'node:http';
import { ListPartsCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject } from 'vitest';
import { brokerServer } from '../../src/main.js';
import { buildBroker, freshStores, redisRepository, storageConfigs, USERS, type TestBroker } from '../support/broker.js';
import { mintEndpoint, type UppyEndpoint } from '../support/companion-driver.js';
import { FIXTURE_NAMES, makeFixture, sendRaw, snapshot, usedUp, type Fixture, type FixtureName, type Snapshot, type StoreLister } from '../support/fuzz-fixtures.js';
import { CREATING_ROUTES, ROUTES, type Generated } from '../support/fuzz-requests.js';
import { fuzzedRequest, fuzzEachRoute, newFuzzStats, sendFuzzed } from '../support/fuzz-runner.js';
import { toQuery } from '../support/fuzz-values.js';
import { s3ClientFor } from '../support/provision.js';
import { BASE } from '../support/protocol-driver.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 20_261_209);
const SCALE = Number(process.env['FUZZ_RUNS'] ?? 1);
/**
 * All properties together stop generating past this (FUZZ_BUDGET_S), so the file stays under
 * a minute on 2 busy cores: each gets an equal share of what is left when it starts.
 */
const BUDGET_MS = Number(process.env['FUZZ_BUDGET_S'] ?? 30) * 1000;


// ---- the run ----

describe('fuzzing every route', () => {
  let broker: TestBroker;
  let server: Server;
  let port: number;
  let aliceEndpoint: UppyEndpoint;
  let bobEndpoint: UppyEndpoint;
  let carolUpload: string;
  const fixtures = new Map<FixtureName, Fixture>();
  const stats = newFuzzStats();

  let s3: S3Client;
  let bucket: string;
  const listStoreParts: StoreLister = async (objectKey, resumableId) => {
    try {
      const listed = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: objectKey, UploadId: resumableId }));
      return (listed.Parts ?? []).map((p) => ({ number: p.PartNumber, etag: p.ETag, size: p.Size }));
    } catch (err) {
      return { listPartsFailed: (err as Error).name }; // aborted or completed: gone from the store
    }
  };

  beforeAll(async () => {
    const stores = await freshStores();
    s3 = s3ClientFor(inject('swift'));
    bucket = stores.s3.bucket;
    broker = buildBroker({ storages: storageConfigs(stores), repo: redisRepository() });
    server = brokerServer(broker.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
    [aliceEndpoint, bobEndpoint] = await Promise.all([mintEndpoint(broker.app, 'alice'), mintEndpoint(broker.app, 'bob')]);
    carolUpload = (await broker.as('carol').create(Buffer.from('carol'), { file_name: 'carol.txt' })).upload_id;
    for (const name of FIXTURE_NAMES) fixtures.set(name, await makeFixture(broker, aliceEndpoint, name));
    console.log(`[fuzz] seed ${SEED} (FUZZ_SEED to change), ${ROUTES.length} routes`);
  });

  afterAll(async () => {
    const statuses = [...stats.byStatus.entries()].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`).join(' ');
    console.log(`[fuzz] ${stats.sent} requests sent, ${stats.fiveXX} 5xx, ${stats.refusedChanged} refused requests that changed state, ${stats.rebuilt} fixtures rebuilt after accepted requests; statuses: ${statuses}`);
    if (changedBy.length > 0) console.log(`[fuzz] refusals that changed state:\n${changedBy.join('\n')}`);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await broker.repo.close();
    s3.destroy();
  });

  const fixtureOf = (name: FixtureName) => fixtures.get(name) as Fixture;
  /** Every refusal that changed state, whether or not the property checks its class. */
  const changedBy: string[] = [];

  /** The request as bytes on the wire, from its abstract description and today's fixtures. */
  function resolve(g: Generated): { path: string; headers: Record<string, string>; payload?: Buffer; aimedAt?: FixtureName } {
    const aimedAt = g.target && 'fixture' in g.target ? g.target.fixture : undefined;
    const id = !g.target ? '' : 'fixture' in g.target ? fixtureOf(g.target.fixture).id : 'carol' in g.target ? carolUpload : g.target.raw;
    const fixture = aimedAt === undefined ? undefined : fixtureOf(aimedAt);
    const swap = (value: unknown): unknown => {
      if (value === '$fixture') return undefined;
      if (Array.isArray(value)) return value.map(swap);
      if (typeof value === 'object' && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, v === '$fixture' ? (k === 'key' ? fixture?.key ?? fixtureOf('uppy').key : k === 'ETag' ? fixtureOf('uppy').etag : fixture?.resumableId ?? 'no-resumable-id') : swap(v)]));
      }
      return value;
    };
    const query = toQuery(swap(g.query), g.rawQuery);
    const suffix = query === '' ? '' : `?${query}`;
    const token = g.token === undefined ? '' : g.token === 'alice' ? aliceEndpoint.token : g.token === 'bob' ? bobEndpoint.token : g.token.raw;
    const paths: Record<string, string> = {
      'GET /new': `${BASE}/new`, 'POST /': `${BASE}/`, 'GET /': `${BASE}/`, 'PATCH /:id': `${BASE}/${id}`, 'GET /:id/edit': `${BASE}/${id}/edit`,
      'GET /:id/url': `${BASE}/${id}/url`, 'PUT /:id': `${BASE}/${id}`, 'GET /:id': `${BASE}/${id}`, 'DELETE /:id': `${BASE}/${id}`,
      'POST /uppy/tokens': '/uppy/tokens', 'GET /s3/params': `/uppy/${token}/s3/params`, 'POST /s3/multipart': `/uppy/${token}/s3/multipart`,
      'GET /s3/multipart/:uploadId/:partNumber': `/uppy/${token}/s3/multipart/${id}/${g.partNumber ?? ''}`, 'GET /s3/multipart/:uploadId': `/uppy/${token}/s3/multipart/${id}`,
      'POST /s3/multipart/:uploadId/complete': `/uppy/${token}/s3/multipart/${id}/complete`, 'DELETE /s3/multipart/:uploadId': `/uppy/${token}/s3/multipart/${id}`,
    };
    const { headers, payload } = fuzzedRequest(
      g,
      {
        own: () => ['X-Upload-Token', fixture?.uploadToken ?? fixtureOf('direct').uploadToken ?? ''],
        other: () => ['X-Upload-Token', fixtureOf(aimedAt === 'direct' ? 'complete' : 'direct').uploadToken ?? ''],
      },
      swap,
    );
    return { path: `${paths[g.route] ?? '/'}${suffix}`, headers, ...(payload ? { payload } : {}), ...(aimedAt ? { aimedAt } : {}) };
  }

  async function check(g: Generated): Promise<void> {
    const { path, headers, payload, aimedAt } = resolve(g);
    // A refusal must change nothing: the upload aimed at, or (for routes without an id) a bystander.
    const watched: FixtureName = aimedAt ?? (g.route.startsWith('POST /s3') || g.route.startsWith('GET /s3') ? 'uppy' : 'chunkedS3');
    const listStore = watched === 'uppy' ? listStoreParts : undefined;
    const before = await snapshot(broker, port, fixtureOf(watched), listStore);
    // Routes that create uploads: a refusal must not have created one.
    const creates = CREATING_ROUTES.includes(g.route);
    const countBefore = creates ? await uploadCount() : 0;
    const { res, shown } = await sendFuzzed(port, g.method, path, headers, payload, stats);
    const after = await snapshot(broker, port, fixtureOf(watched), listStore);
    if (res.status >= 400) {
      expect(res.contentType, shown).toMatch(/^application\/json/);
      const answer = JSON.parse(res.text) as unknown;
      expect(answer, shown).toEqual({ error: expect.any(String), message: expect.any(String) });
      const countAfter = creates ? await uploadCount() : 0;
      if (!sameSnapshot(before, after) || countAfter !== countBefore) {
        stats.refusedChanged += 1;
        const what = (['record', 'parts', 'wire', 'storeParts'] as const).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
        changedBy.push(`${res.status} ${res.text.slice(0, 160)} ← ${shown.slice(0, 600)} [changed: ${what.join(', ')}${countAfter === countBefore ? '' : `, uploads ${countBefore} → ${countAfter}`}]`);
      }
      expect(after, `refused (${res.status} ${res.text}) yet changed ${watched}: ${shown}`).toEqual(before);
      expect(countAfter, `refused (${res.status}) yet created an upload: ${shown}`).toBe(countBefore);
      return;
    }
    // Accepted: the fixture may be used up (aborted, completed); make a new one for the next runs.
    if (usedUp(watched, before, after)) {
      fixtures.set(watched, await makeFixture(broker, aliceEndpoint, watched));
      stats.rebuilt += 1;
    }
  }

  async function uploadCount(): Promise<number> {
    const res = await sendRaw(port, 'GET', `${BASE}/?limit=1`, { 'X-API-Key': USERS.alice.key });
    expect(res.status, res.text).toBe(200);
    expect(res.headers['x-total-count']).toMatch(/^\d+$/);
    return Number(res.headers['x-total-count']);
  }

  // FUZZ_EXPLORE=1: record every failure and carry on (to survey findings), instead of shrinking the first.
  const explore = process.env['FUZZ_EXPLORE'] === '1';
  const findings: string[] = [];
  const checkOrRecord = (g: Generated): Promise<void> => (explore ? recorded(g) : check(g));
  const recorded = async (g: Generated) => {
    try {
      await check(g);
    } catch (err) {
      findings.push(`${g.route}: ${(err as Error).message.split('\n')[0]}`);
    }
  };
  afterAll(() => {
    if (explore) console.log(`[fuzz] findings:\n${findings.join('\n')}`);
  });

  fuzzEachRoute(ROUTES, checkOrRecord, { seed: SEED, scale: SCALE, budgetMs: BUDGET_MS });
});

function sameSnapshot(a: Snapshot, b: Snapshot): boolean {
  try {
    expect(b).toEqual(a);
    return true;
  } catch {
    return false;
  }
}
