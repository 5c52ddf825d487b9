// What the client and CLI integration tests share: a real broker listening on
// a loopback port (the client speaks HTTP, not supertest), a request counter
// in front of it, a fetch that watches (and can tamper with) store traffic,
// and test files on disk.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express, { type RequestHandler } from 'express';
import { buildBroker, type BrokerOptions, type TestBroker } from '../support/broker.js';

export const MiB = 1024 * 1024;

export interface BrokerRequest {
  method: string;
  path: string;
  part?: number;
}

export interface ListeningBroker {
  url: string;
  broker: TestBroker;
  /** Every request the broker received, in order. */
  requests: BrokerRequest[];
  /** PATCH ?part=N requests (part signatures) received so far. */
  partPatches(): BrokerRequest[];
  close(): Promise<void>;
}

/** The broker app behind an express app of our own, listening on 127.0.0.1; `intercept` runs before the broker. */
export async function listeningBroker(options: BrokerOptions, intercept?: RequestHandler): Promise<ListeningBroker> {
  const broker = buildBroker(options);
  const requests: BrokerRequest[] = [];
  const outer = express();
  outer.use((req, _res, next) => {
    const part = typeof req.query['part'] === 'string' && /^\d+$/.test(req.query['part']) ? Number(req.query['part']) : undefined;
    requests.push({ method: req.method, path: req.path, ...(part === undefined ? {} : { part }) });
    next();
  });
  if (intercept) outer.use(intercept);
  outer.use(broker.app);
  const server = outer.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    broker,
    requests,
    partPatches: () => requests.filter((r) => r.method === 'PATCH' && r.part !== undefined),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type StoreCallKind = 'part' | 'commit' | 'init' | 'direct' | 'other';

export interface StoreCall {
  kind: StoreCallKind;
  method: string;
  url: string;
  /** Index among calls of the same kind. */
  index: number;
  status?: number;
}

function kindOf(method: string, url: string): StoreCallKind {
  if (/[?&]partNumber=/.test(url) || /[?&]comp=block(&|$)/.test(url)) return 'part';
  if (/[?&]comp=blocklist/.test(url) || (method === 'POST' && /[?&]uploadId=/.test(url))) return 'commit';
  if (method === 'POST' && /[?&]uploads/.test(url)) return 'init';
  return method === 'PUT' ? 'direct' : 'other';
}

/**
 * A fetch for the client: broker calls pass through; store calls are logged
 * and offered to `intercept`, which may answer itself (a fake 500), change the
 * request (corrupt the body, wait first), or return undefined to send it as is.
 */
export function watchedFetch(brokerUrl: string, intercept?: (call: StoreCall, init: RequestInit) => Promise<Response | undefined>) {
  const calls: StoreCall[] = [];
  const fetchFn: typeof fetch = async (input, init = {}) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.startsWith(brokerUrl)) return fetch(input, init);
    const method = (init.method ?? 'GET').toUpperCase();
    const kind = kindOf(method, url);
    const call: StoreCall = { kind, method, url, index: calls.filter((c) => c.kind === kind).length };
    calls.push(call);
    const request = { ...init };
    const res = (await intercept?.(call, request)) ?? (await fetch(url, request));
    call.status = res.status;
    return res;
  };
  return { fetch: fetchFn, calls, of: (kind: StoreCallKind) => calls.filter((c) => c.kind === kind) };
}

export interface TempFiles {
  dir: string;
  /** Writes `size` random bytes to `name`; returns the path and the bytes. */
  make(name: string, size: number): Promise<{ path: string; bytes: Buffer }>;
  remove(): Promise<void>;
}

export async function tempFiles(): Promise<TempFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'signpost-client-it-'));
  return {
    dir,
    async make(name, size) {
      const path = join(dir, name);
      const bytes = randomBytes(size);
      await writeFile(path, bytes);
      return { path, bytes };
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
