// What the API v1 fuzzer aims at and checks: v1 uploads in each state on each store and an
// upload session, made through API v1 as clients make them, and their snapshots (the stored
// record and parts, the wire record; for the session, the stored session and its wire form).
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { USERS, type TestBroker } from './broker.js';
import { sendRaw } from './fuzz-fixtures.js';
import { MiB, md5b64 } from './protocol-driver.js';
import { sha256Hex, V1 } from './v1-driver.js';

export type V1FixtureName = 'multipartS3' | 'multipartAzure' | 'single' | 'complete' | 'session';
export const V1_FIXTURE_NAMES: V1FixtureName[] = ['multipartS3', 'multipartAzure', 'single', 'complete', 'session'];

export interface V1Fixture {
  /** The upload's id, or the session's. */
  id: string;
  token: string;
  /** A complete blob's SHA-256 (hex), or the SHA-256 of the session's missing blob. */
  sha256?: string;
}

/** One fixture, made the way a client makes it. No bytes are sent for the unfinished ones, so no read of them finds new parts. */
export async function makeV1Fixture(broker: TestBroker, name: V1FixtureName): Promise<V1Fixture> {
  const alice = broker.v1('alice');
  switch (name) {
    case 'multipartS3':
    case 'multipartAzure': {
      const bytes = Buffer.alloc(12 * MiB, name);
      const created = await alice.initiate({ filename: 'big.bin', size: bytes.length, ...(name === 'multipartAzure' ? { storage_id: 'azure' } : {}) });
      expect(created.status, JSON.stringify(created.body)).toBe(202);
      const id = created.body.id as string;
      const signed = await alice.post(`/uploads/${id}/parts`, { parts: [{ number: 1, md5: md5b64(bytes.subarray(0, created.body.part_size as number)) }] });
      expect(signed.status, JSON.stringify(signed.body)).toBe(200);
      return { id, token: created.body.upload_token as string };
    }
    case 'single': {
      const created = await alice.initiate({ filename: 'small.txt', size: 20 });
      expect(created.status, JSON.stringify(created.body)).toBe(202);
      return { id: created.body.id as string, token: created.body.upload_token as string };
    }
    case 'complete': {
      // 6 MiB: a source a copied part (5 MiB minimum) can be taken from.
      const bytes = randomBytes(6 * MiB);
      const created = await alice.initiate({ filename: 'complete.bin', size: bytes.length });
      expect(created.status, JSON.stringify(created.body)).toBe(202);
      const id = created.body.id as string;
      for (const status of await alice.sendParts(id, bytes, created.body)) expect(status).toBeLessThan(300);
      const done = await alice.post(`/uploads/${id}/complete?digest=sha-256:${sha256Hex(bytes)}`);
      expect(done.status, JSON.stringify(done.body)).toBe(201);
      return { id, token: created.body.upload_token as string, sha256: sha256Hex(bytes) };
    }
    case 'session': {
      const missing = randomBytes(64);
      const created = await alice.post('/upload-sessions', { blobs: [{ sha256: sha256Hex(missing), size: missing.length, name: 'missing.bin' }] });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      return { id: created.body.uploadSessionId as string, token: created.body.uploadToken as string, sha256: sha256Hex(missing) };
    }
  }
}

export interface V1Snapshot {
  stored: unknown;
  parts?: unknown;
  wire: unknown;
}

/**
 * Everything a refused request must leave as it was: the stored record and parts (or session),
 * and with `wire` the wire record too — which for an unfinished upload asks the store what it
 * holds (a refused copy must not have written a part), at the cost of a store round trip.
 */
export async function v1Snapshot(broker: TestBroker, port: number, name: V1FixtureName, fixture: V1Fixture, wire: boolean): Promise<V1Snapshot> {
  const headers = { 'X-API-Key': USERS.alice.key };
  const read = async (path: string) => {
    if (!wire) return undefined;
    const res = await sendRaw(port, 'GET', path, headers);
    return { status: res.status, body: JSON.parse(res.text) as unknown };
  };
  if (name === 'session') {
    const [stored, answer] = await Promise.all([broker.repo.getSession(fixture.id), read(`${V1}/upload-sessions/${fixture.id}`)]);
    return { stored, wire: answer };
  }
  const [stored, parts, answer] = await Promise.all([broker.repo.get(fixture.id), broker.repo.listParts(fixture.id), read(`${V1}/uploads/${fixture.id}`)]);
  return { stored, parts, wire: answer };
}

/** Used up once an accepted request changed what it was made to be (completed, aborted, gone, its session's state). */
export function v1UsedUp(before: V1Snapshot, after: V1Snapshot): boolean {
  const state = (s: V1Snapshot) => (s.stored as { state?: string } | undefined)?.state ?? 'gone';
  return state(before) !== state(after);
}
