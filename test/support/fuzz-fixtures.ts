// What the route fuzzer aims at and checks: uploads in each state on each store (made
// through the protocols, as clients make them), their snapshots (the stored record and
// parts, the wire record, and for Uppy the parts the store lists), and a raw HTTP sender
// that reports a dropped connection instead of hiding it.
import { request as httpRequest, Agent, type IncomingHttpHeaders } from 'node:http';
import { expect } from 'vitest';
import { USERS, type TestBroker } from './broker.js';
import type { UppyEndpoint } from './companion-driver.js';
import { BASE, MiB, sendSigned, testBytes } from './protocol-driver.js';

export type FixtureName = 'direct' | 'chunkedS3' | 'chunkedAzure' | 'complete' | 'uppy';
export const FIXTURE_NAMES: FixtureName[] = ['direct', 'chunkedS3', 'chunkedAzure', 'complete', 'uppy'];

export interface Fixture {
  id: string;
  uploadToken?: string;
  resumableId?: string;
  /** Uppy: the object key and the ETag the store gave part 1. */
  key?: string;
  etag?: string;
}

/** One fixture, made the way a client makes it. */
export async function makeFixture(broker: TestBroker, uppy: UppyEndpoint, name: FixtureName): Promise<Fixture> {
  const alice = broker.as('alice');
  switch (name) {
    case 'direct': {
      const created = await alice.create(Buffer.from('a direct upload, never sent'), { file_name: 'direct.txt' });
      return { id: created.upload_id, uploadToken: created.upload_token };
    }
    case 'chunkedS3':
    case 'chunkedAzure': {
      // 12 MiB declared, part 1 signed (and the S3 UploadId reported); no bytes sent.
      const bytes = Buffer.alloc(12 * MiB, name);
      const started = await alice.startChunked(bytes, name === 'chunkedAzure' ? { storage_id: 'azure', file_name: 'big.bin' } : { file_name: 'big.bin' });
      await alice.signPart(started.id, 1, started.parts[0] as Buffer, started.firstBody);
      return { id: started.id, uploadToken: started.created.upload_token, ...(started.resumableId === undefined ? {} : { resumableId: started.resumableId }) };
    }
    case 'complete': {
      const bytes = Buffer.from('a complete upload');
      const created = await alice.create(bytes, { file_name: 'complete.txt' });
      const put = await sendSigned(created.signature, bytes);
      expect(put.status, await put.text()).toBeLessThan(300);
      const done = await alice.put(`/${created.upload_id}`);
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      return { id: created.upload_id, uploadToken: created.upload_token };
    }
    case 'uppy': {
      const started = await uppy.start('uppy.bin');
      const etag = await uppy.uploadPart(started, 1, testBytes(5 * MiB));
      return { id: started.uploadId, key: started.key, etag };
    }
  }
}

export interface Snapshot {
  record: unknown;
  parts: unknown;
  wire: unknown;
  storeParts?: unknown;
}

/** The parts the store itself lists for an upload (not through the broker, whose listing counts as activity). */
export type StoreLister = (objectKey: string, resumableId: string) => Promise<unknown>;

/** Everything a refused request must leave as it was. */
export async function snapshot(broker: TestBroker, port: number, fixture: Fixture, listStore?: StoreLister): Promise<Snapshot> {
  const [record, parts, wire] = await Promise.all([
    broker.repo.get(fixture.id),
    broker.repo.listParts(fixture.id),
    sendRaw(port, 'GET', `${BASE}/${fixture.id}`, { 'X-API-Key': USERS.alice.key }),
  ]);
  const storeParts = listStore && record?.resumableId !== undefined ? await listStore(record.objectKey, record.resumableId) : undefined;
  return { record, parts, wire: { status: wire.status, body: JSON.parse(wire.text) as unknown }, ...(storeParts === undefined ? {} : { storeParts }) };
}

/** A fixture is used up once it is no longer what it was made to be (aborted, or completed, by an accepted request). */
export function usedUp(name: FixtureName, before: Snapshot, after: Snapshot): boolean {
  const state = (s: Snapshot) => (s.wire as { body?: { state?: string } }).body?.state;
  return state(before) !== state(after) || (name === 'uppy' && JSON.stringify(before.storeParts) !== JSON.stringify(after.storeParts));
}

export interface RawResponse {
  status: number;
  contentType: string;
  headers: IncomingHttpHeaders;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** One request exactly as given (path bytes included); rejects if the connection drops without an answer. */
export function sendRaw(port: number, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { ...headers, ...(body ? { 'Content-Length': String(body.length) } : {}) }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
    req.end(body);
  });
}
