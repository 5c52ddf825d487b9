// Property-based fuzzing of every API v1 route (V1_ROUTES) with fast-check, as
// fuzz-routes.test.ts does for PlaceOS and Uppy: requests from each route's schemas and beyond
// them — path parameters (upload and session ids, part numbers, digests in every spelling), extra
// headers (Range, conditionals, Digest, Origin, a second token, method overrides),
// queries, bodies (part batches with MD5/SHA-256/checksums, copy sources and ranges, session
// blobs), credentials (users, upload and session tokens, junk) — sent over a real socket to a
// broker on Swift, Azurite and Redis. For every request: an answer, never a 5xx,
// {error, message} on every 4xx (but HEAD's), and after a refusal the fixture it aimed at (or a
// bystander) exactly as before, and no upload created. Fixed seeds (FUZZ_SEED), a time budget
// (FUZZ_V1_BUDGET_S, default 25 s), FUZZ_RUNS scales the runs.
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { brokerServer } from '../../src/main.js';
import { buildBroker, freshStores, redisRepository, storageConfigs, USERS, type TestBroker } from '../support/broker.js';
import { makeV1Fixture, v1Snapshot, v1UsedUp, V1_FIXTURE_NAMES, type V1Fixture, type V1FixtureName, type V1Snapshot } from '../support/fuzz-v1-fixtures.js';
import { COMPLETE_ID, COMPLETE_SHA, TARGET_ID, V1_CREATING_ROUTES, V1_FUZZ_ROUTES, type V1Generated } from '../support/fuzz-v1-requests.js';
import { fuzzedRequest, fuzzEachRoute, newFuzzStats, sendFuzzed } from '../support/fuzz-runner.js';
import { toQuery } from '../support/fuzz-values.js';
import { V1 } from '../support/v1-driver.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 20_261_202);
const SCALE = Number(process.env['FUZZ_RUNS'] ?? 1);
/** All properties together stop generating past this; each gets an equal share of what is left when it starts. */
const BUDGET_MS = Number(process.env['FUZZ_V1_BUDGET_S'] ?? 25) * 1000;
/** Routes that write to the store: their refusals are also checked against what the store holds (slower). */
const STORE_WRITING_ROUTES = ['POST /uploads/:id/parts/:n/copy', 'POST /uploads/:id/complete', 'POST /uploads/:id/destroy', 'DELETE /uploads/:id', 'PUT /upload-sessions/:sid/blobs/:sha256'];

describe('fuzzing every API v1 route', () => {
  let broker: TestBroker;
  let server: Server;
  let port: number;
  let carolUpload: string;
  const fixtures = new Map<V1FixtureName, V1Fixture>();
  const stats = newFuzzStats();
  const changedBy: string[] = [];

  beforeAll(async () => {
    broker = buildBroker({ storages: storageConfigs(await freshStores()), repo: redisRepository() });
    server = brokerServer(broker.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
    const carol = await broker.v1('carol').initiate({ filename: 'carol.txt', size: 5 });
    expect(carol.status).toBe(202);
    carolUpload = carol.body.id as string;
    for (const name of V1_FIXTURE_NAMES) fixtures.set(name, await makeV1Fixture(broker, name));
    console.log(`[fuzz-v1] seed ${SEED} (FUZZ_SEED to change), ${V1_FUZZ_ROUTES.length} routes`);
  });

  afterAll(async () => {
    const statuses = [...stats.byStatus.entries()].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`).join(' ');
    console.log(`[fuzz-v1] ${stats.sent} requests sent, ${stats.fiveXX} 5xx, ${stats.refusedChanged} refused requests that changed state, ${stats.rebuilt} fixtures rebuilt after accepted requests; statuses: ${statuses}`);
    if (changedBy.length > 0) console.log(`[fuzz-v1] refusals that changed state:\n${changedBy.join('\n')}`);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await broker.repo.close();
  });

  const fixtureOf = (name: V1FixtureName) => fixtures.get(name) as V1Fixture;

  /** The request as bytes on the wire, from its abstract description and today's fixtures. */
  function resolve(g: V1Generated): { path: string; headers: Record<string, string>; payload?: Buffer; aimedAt?: V1FixtureName } {
    const aimedAt = g.target && 'fixture' in g.target ? g.target.fixture : undefined;
    const id = !g.target ? '' : 'fixture' in g.target ? fixtureOf(g.target.fixture).id : 'carol' in g.target ? carolUpload : g.target.raw;
    const complete = fixtureOf('complete');
    const swap = (value: unknown): unknown => {
      if (value === COMPLETE_SHA) return complete.sha256;
      if (value === COMPLETE_ID) return complete.id;
      if (value === TARGET_ID) return id;
      if (typeof value === 'string' && value.endsWith(COMPLETE_SHA)) return value.replace(COMPLETE_SHA, complete.sha256 ?? '');
      if (Array.isArray(value)) return value.map(swap);
      if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swap(v)]));
      return value;
    };
    let digest = '';
    if (g.digest) {
      if ('raw' in g.digest) digest = g.digest.raw;
      else {
        const hex = fixtureOf(g.digest.of).sha256 ?? '';
        const spelled = { hex, HEX: hex.toUpperCase(), prefixed: `sha-256:${hex}`, base64: Buffer.from(hex, 'hex').toString('base64') }[g.digest.spelling];
        digest = encodeURIComponent(spelled);
      }
    }
    const path = g.route.slice(g.route.indexOf(' ') + 1)
      .replace(':id', id).replace(':sid', id).replace(':n', g.part ?? '').replace(':digest', digest).replace(':sha256', digest);
    const query = toQuery(swap(g.query), g.rawQuery);
    const token = (name: V1FixtureName | undefined) => fixtureOf(name ?? 'single').token;
    const { headers, payload } = fuzzedRequest(g, { own: () => ['X-Upload-Token', token(aimedAt)], other: () => ['Upload-Token', token(aimedAt === 'single' ? 'multipartS3' : 'single')] }, swap);
    Object.assign(headers, g.headers);
    return { path: `${V1}${path}${query === '' ? '' : `?${query}`}`, headers, ...(payload ? { payload } : {}), ...(aimedAt ? { aimedAt } : {}) };
  }

  async function uploadCount(): Promise<number> {
    const listed = await broker.repo.list({ tenant: 'acme', owner: 'alice', limit: 1, offset: 0 });
    return listed.total;
  }

  async function check(g: V1Generated): Promise<void> {
    const { path, headers, payload, aimedAt } = resolve(g);
    const watched: V1FixtureName = aimedAt ?? 'multipartS3';
    const wire = STORE_WRITING_ROUTES.includes(g.route);
    const before = await v1Snapshot(broker, port, watched, fixtureOf(watched), wire);
    const creates = V1_CREATING_ROUTES.includes(g.route);
    const countBefore = creates ? await uploadCount() : 0;
    const { res, shown } = await sendFuzzed(port, g.method, path, headers, payload, stats);
    const after = await v1Snapshot(broker, port, watched, fixtureOf(watched), wire);
    if (res.status >= 400) {
      if (g.method !== 'HEAD') {
        expect(res.contentType, shown).toMatch(/^application\/json/);
        expect(JSON.parse(res.text), shown).toEqual({ error: expect.any(String), message: expect.any(String) });
      }
      const countAfter = creates ? await uploadCount() : 0;
      if (!same(before, after) || countAfter !== countBefore) {
        stats.refusedChanged += 1;
        changedBy.push(`${res.status} ${res.text.slice(0, 160)} ← ${shown.slice(0, 600)}`);
      }
      expect(after, `refused (${res.status} ${res.text}) yet changed ${watched}: ${shown}`).toEqual(before);
      expect(countAfter, `refused (${res.status}) yet created an upload: ${shown}`).toBe(countBefore);
      return;
    }
    if (v1UsedUp(before, after)) {
      fixtures.set(watched, await makeV1Fixture(broker, watched));
      stats.rebuilt += 1;
    }
  }

  fuzzEachRoute(V1_FUZZ_ROUTES, check, { seed: SEED, scale: SCALE, budgetMs: BUDGET_MS });
});

function same(a: V1Snapshot, b: V1Snapshot): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
