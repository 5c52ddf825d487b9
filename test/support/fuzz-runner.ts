// One vitest test per fuzzed route, sharing a time budget: each property gets what is left of
// the budget divided among the routes still to run, with a fixed seed per route.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { USERS } from './broker.js';
import { sendRaw } from './fuzz-fixtures.js';
import type { Body, Who } from './fuzz-requests.js';

export interface FuzzBudget {
  seed: number;
  /** Multiplies every route's run count (FUZZ_RUNS). */
  scale: number;
  /** All properties together stop generating past this. */
  budgetMs: number;
}

export function fuzzEachRoute<G>(routes: Array<[string, fc.Arbitrary<G>, number]>, check: (generated: G) => Promise<void>, budget: FuzzBudget): void {
  // fast-check's time limit abandons the run in flight rather than waiting for it: each test
  // waits for it (and fails on its failure), so no request overlaps the next property's.
  let inFlight: Promise<void> = Promise.resolve();
  const checked = (generated: G): Promise<void> => {
    inFlight = check(generated);
    return inFlight;
  };
  let deadline = 0;
  routes.forEach(([name, arbitrary, runs], index) => {
    it(`${name}: no 5xx, no dropped connection, {error, message} on 4xx, nothing changed by a refusal`, async () => {
      if (deadline === 0) deadline = Date.now() + budget.budgetMs;
      const share = Math.max(500, (deadline - Date.now()) / (routes.length - index));
      await fc.assert(fc.asyncProperty(arbitrary, checked), {
        seed: budget.seed + index,
        numRuns: Math.max(1, Math.round(runs * budget.scale)),
        interruptAfterTimeLimit: share,
        markInterruptAsFailure: false,
      });
      await inFlight;
    }, 120_000);
  });
}

export interface FuzzStats {
  sent: number;
  fiveXX: number;
  refusedChanged: number;
  rebuilt: number;
  byStatus: Map<number, number>;
}

export const newFuzzStats = (): FuzzStats => ({ sent: 0, fiveXX: 0, refusedChanged: 0, rebuilt: 0, byStatus: new Map() });

/**
 * Sends one generated request and tallies its answer: a dropped connection or a 5xx fails the
 * property, naming the request (`shown`, cut to a readable length).
 */
export async function sendFuzzed(port: number, method: string, path: string, headers: Record<string, string>, payload: Buffer | undefined, stats: FuzzStats) {
  const shown = `${method} ${path.length > 300 ? `${path.slice(0, 300)}…` : path} ${JSON.stringify(headers).slice(0, 300)} body ${payload ? payload.toString('utf8').slice(0, 300) : '(none)'}`;
  let res;
  try {
    res = await sendRaw(port, method, path, headers, payload);
  } catch (err) {
    throw new Error(`dropped connection: ${(err as Error).message} — ${shown}`);
  }
  stats.sent += 1;
  stats.byStatus.set(res.status, (stats.byStatus.get(res.status) ?? 0) + 1);
  if (res.status >= 500) stats.fiveXX += 1;
  expect(res.status, `${shown} → ${res.text.slice(0, 300)}`).toBeLessThan(500);
  return { res, shown };
}

/** Where a generated caller's upload tokens come from: each a header and its value, found when asked. */
export interface FuzzTokens {
  own: () => [string, string];
  other: () => [string, string];
}

/**
 * The headers and payload of a generated request: its caller's credentials (a user's API key,
 * an upload token, a stranger's key or bearer token), then its body as JSON (after `json`
 * swaps in fixture values) or bytes, and the Content-Encoding it claims.
 */
export function fuzzedRequest(g: { who: Who; body: Body; contentEncoding?: string | undefined }, tokens: FuzzTokens, json: (value: unknown) => unknown): { headers: Record<string, string>; payload?: Buffer } {
  const headers: Record<string, string> = {};
  const w = g.who;
  if (w === 'alice' || w === 'bob' || w === 'carol' || w === 'admin') headers['X-API-Key'] = USERS[w].key;
  else if (w === 'uploadToken' || w === 'otherUploadToken') {
    const [name, value] = w === 'uploadToken' ? tokens.own() : tokens.other();
    headers[name] = value;
  } else if (typeof w === 'object' && 'apiKey' in w) headers['X-API-Key'] = w.apiKey;
  else if (typeof w === 'object') headers['Authorization'] = `Bearer ${w.bearer}`;
  let payload: Buffer | undefined;
  if ('json' in g.body) {
    payload = Buffer.from(JSON.stringify(json(g.body.json)) ?? 'null');
    headers['Content-Type'] = 'application/json';
  } else if ('bytes' in g.body) {
    payload = Buffer.from(g.body.bytes);
    if (g.body.contentType !== '') headers['Content-Type'] = g.body.contentType;
  }
  if (g.contentEncoding !== undefined && payload) headers['Content-Encoding'] = g.contentEncoding;
  return { headers, ...(payload ? { payload } : {}) };
}
