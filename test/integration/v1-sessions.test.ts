// Upload sessions (seed 002) against Swift's S3 API and Azurite: a set of blobs
// addressed by SHA-256, some present already, the others uploaded with the
// session's token standing in for the user (parts signed through each blob's
// upload, sent straight to the store), each verified by PUT, the session
// complete only when every blob is; tokens and users confined to their own
// session; duplicates 400; expiry 410 with an injected clock.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBroker, freshStores, storageConfigs, type TestStores } from '../support/broker.js';
import { MiB, testBytes } from '../support/protocol-driver.js';
import { sha256Hex, V1Client } from '../support/v1-driver.js';

interface SessionBlobWire {
  sha256: string;
  size: number;
  alreadyPresent: boolean;
  state?: string;
  upload?: { id: string; strategy: string; part_size: number; part_count: number };
}

const blobOf = (bytes: Buffer, extra: object = {}) => ({ sha256: sha256Hex(bytes), size: bytes.length, ...extra });

describe.each(['s3', 'azure'] as const)('API v1 upload sessions on %s', (storageId) => {
  let stores: TestStores;
  beforeAll(async () => {
    stores = await freshStores();
  });

  it('present and new blobs: the new ones sent with the session token alone, verified one by one, then the session completes', async () => {
    const broker = buildBroker({ storages: storageConfigs(stores) });
    const alice = broker.v1('alice');
    const present = testBytes(30_000);
    const small = testBytes(40_000);
    const large = testBytes(6 * MiB + 5);
    await alice.upload(present, { filename: 'present.png', storage_id: storageId });

    const created = await alice.post('/upload-sessions', {
      storage_id: storageId,
      blobs: [blobOf(present), blobOf(small, { name: 'small.png', mime: 'image/png' }), blobOf(large, { name: 'large.mp4' })],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ uploadSessionId: expect.any(String), uploadToken: expect.any(String), expires_at: expect.any(String) });
    const blobs = created.body.blobs as SessionBlobWire[];
    expect(blobs.map((b) => [b.sha256, b.size, b.alreadyPresent])).toEqual([
      [sha256Hex(present), present.length, true], [sha256Hex(small), small.length, false], [sha256Hex(large), large.length, false],
    ]);
    expect(blobs[0]?.upload).toBeUndefined();
    // A present blob still names the record the session made for it (complete, sharing the object).
    const presentRecord = await alice.get(`/uploads/${(blobs[0] as unknown as { id: string }).id}`);
    expect(presentRecord.body).toMatchObject({ state: 'complete', sha256: sha256Hex(present) });
    expect((blobs[1] as unknown as { id: string }).id).toBe(blobs[1]?.upload?.id);
    expect(blobs[1]?.upload).toMatchObject({ id: expect.any(String), strategy: 'single', part_count: 1 });
    expect(blobs[2]?.upload).toMatchObject({ id: expect.any(String), strategy: 'multipart' });
    const sid = created.body.uploadSessionId as string;

    // The session's token alone, no user credentials: sign each new blob's parts, send them to the store.
    const device = new V1Client(broker.app, { 'X-Upload-Token': created.body.uploadToken });
    for (const [bytes, blob] of [[small, blobs[1]], [large, blobs[2]]] as const) {
      const upload = blob?.upload;
      expect(upload).toBeDefined();
      if (!upload) continue;
      for (const status of await device.sendParts(upload.id, bytes, upload)) expect(status).toBeLessThan(300);
    }

    const states = await device.get(`/upload-sessions/${sid}`);
    expect(states.status, JSON.stringify(states.body)).toBe(200);
    expect(states.body).toMatchObject({ uploadSessionId: sid, state: 'open' });
    expect((states.body.blobs as SessionBlobWire[]).map((b) => b.state)).toEqual(['complete', 'uploading', 'uploading']);

    const early = await device.post(`/upload-sessions/${sid}/complete`);
    expect(early.status, JSON.stringify(early.body)).toBe(409);
    expect(early.body).toEqual({ error: 'conflict', message: expect.stringContaining(sha256Hex(small)) });
    expect(early.body.message).toContain(sha256Hex(large));
    expect(early.body.message).not.toContain(sha256Hex(present));

    const confirmSmall = await device.put(`/upload-sessions/${sid}/blobs/${sha256Hex(small)}`);
    expect(confirmSmall.status, JSON.stringify(confirmSmall.body)).toBe(200);
    expect(confirmSmall.body).toEqual({ uploadSessionId: sid, alreadyPresent: false, id: expect.any(String), blob: { sha256: sha256Hex(small), size: small.length, mime: 'image/png', key: expect.any(String) } });
    // The same PUT again (a client's retry) answers the same.
    const retried = await device.put(`/upload-sessions/${sid}/blobs/${sha256Hex(small)}`);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body).toEqual(confirmSmall.body);
    const stillMissing = await device.post(`/upload-sessions/${sid}/complete`);
    expect(stillMissing.status).toBe(409);
    expect(stillMissing.body.message).toContain(sha256Hex(large));
    expect(stillMissing.body.message).not.toContain(sha256Hex(small));

    const confirmPresent = await device.put(`/upload-sessions/${sid}/blobs/sha256:${sha256Hex(present)}`);
    expect(confirmPresent.status, JSON.stringify(confirmPresent.body)).toBe(200);
    expect(confirmPresent.body).toMatchObject({ uploadSessionId: sid, alreadyPresent: true, blob: { sha256: sha256Hex(present), size: present.length } });
    const confirmLarge = await alice.put(`/upload-sessions/${sid}/blobs/${sha256Hex(large)}`);
    expect(confirmLarge.status, JSON.stringify(confirmLarge.body)).toBe(200);
    expect(confirmLarge.body).toMatchObject({ alreadyPresent: false, blob: { sha256: sha256Hex(large), size: large.length, mime: 'video/mp4' } });

    const done = await device.post(`/upload-sessions/${sid}/complete`);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ uploadSessionId: sid, state: 'complete' });
    const after = await alice.get(`/upload-sessions/${sid}`);
    expect(after.body.state).toBe('complete');
    expect((after.body.blobs as SessionBlobWire[]).map((b) => b.state)).toEqual(['complete', 'complete', 'complete']);
    for (const bytes of [present, small, large]) expect((await alice.download(sha256Hex(bytes))).equals(bytes)).toBe(true);
  });

  it('a blob whose bytes are not its SHA-256: PUT → 422, the session stays incomplete', async () => {
    const broker = buildBroker({ storages: storageConfigs(stores) });
    const alice = broker.v1('alice');
    const claimed = testBytes(20_000);
    const created = await alice.post('/upload-sessions', { storage_id: storageId, blobs: [blobOf(claimed)] });
    expect(created.status).toBe(201);
    const upload = (created.body.blobs as SessionBlobWire[])[0]?.upload;
    expect(upload).toBeDefined();
    const device = new V1Client(broker.app, { 'Upload-Token': created.body.uploadToken });
    // Other bytes of the same size, sent without part digests (the store cannot tell).
    await device.sendParts(upload?.id ?? '', testBytes(claimed.length), { part_size: claimed.length, part_count: 1 }, { md5: false, sha256: false });
    const refused = await device.put(`/upload-sessions/${created.body.uploadSessionId}/blobs/${sha256Hex(claimed)}`);
    expect(refused.status, JSON.stringify(refused.body)).toBe(422);
    expect(refused.body.error).toBe('verification_failed');
    expect((await device.post(`/upload-sessions/${created.body.uploadSessionId}/complete`)).status).toBe(409);
    expect((await alice.get(`/blobs/${sha256Hex(claimed)}`)).status).toBe(404);
  });

  it("another user's or another session's token → 404; the session token on POST /uploads → 403; a duplicate → 400", async () => {
    const broker = buildBroker({ storages: storageConfigs(stores) });
    const alice = broker.v1('alice');
    const [one, two] = [testBytes(1000), testBytes(2000)];
    const first = await alice.post('/upload-sessions', { storage_id: storageId, blobs: [blobOf(one)] });
    const second = await alice.post('/upload-sessions', { storage_id: storageId, blobs: [blobOf(two)] });
    expect([first.status, second.status]).toEqual([201, 201]);
    const sid = first.body.uploadSessionId as string;
    const firstUpload = (first.body.blobs as SessionBlobWire[])[0]?.upload?.id ?? '';
    const secondToken = new V1Client(broker.app, { 'X-Upload-Token': second.body.uploadToken });
    const unknown = await alice.get('/upload-sessions/sessions-AAAAAAAAAAAAAAAAAAAAAA');
    expect(unknown.status).toBe(404);
    for (const stranger of [broker.v1('bob'), broker.v1('carol'), secondToken]) {
      for (const res of [
        await stranger.get(`/upload-sessions/${sid}`),
        await stranger.put(`/upload-sessions/${sid}/blobs/${sha256Hex(one)}`),
        await stranger.post(`/upload-sessions/${sid}/complete`),
        await stranger.post(`/uploads/${firstUpload}/parts`, { parts: [{ number: 1 }] }),
      ]) {
        expect(res.status, JSON.stringify(res.body)).toBe(404);
        expect(res.body).toEqual({ error: 'not_found', message: expect.any(String) });
      }
    }
    expect((await secondToken.get(`/upload-sessions/${second.body.uploadSessionId}`)).status).toBe(200);
    const firstToken = new V1Client(broker.app, { 'X-Upload-Token': first.body.uploadToken });
    expect((await firstToken.post(`/uploads/${firstUpload}/parts`, { parts: [{ number: 1 }] })).status).toBe(200);
    const minted = await firstToken.initiate({ filename: 'x.bin', size: 10 });
    expect(minted.status).toBe(403);
    expect(minted.body.error).toBe('forbidden');
    expect((await firstToken.post('/upload-sessions', { blobs: [blobOf(two)] })).status).toBe(403);

    const duplicate = await alice.post('/upload-sessions', { storage_id: storageId, blobs: [blobOf(one), blobOf(two), { sha256: `sha256:${sha256Hex(one)}`, size: one.length }] });
    expect(duplicate.status, JSON.stringify(duplicate.body)).toBe(400);
    expect(duplicate.body).toEqual({ error: 'bad_request', message: expect.stringContaining(sha256Hex(one)) });
    expect((await alice.post('/upload-sessions', { blobs: [] })).status).toBe(400);
    expect((await alice.post('/upload-sessions', { blobs: [{ sha256: 'abc', size: 1 }] })).status).toBe(400);
  });

  it('a session past its expiry (injected clock) → 410 on every session route', async () => {
    let now = Date.now();
    const broker = buildBroker({ storages: storageConfigs(stores), clock: { now: () => now }, limits: { uploadTtlMinutes: 30 } });
    const alice = broker.v1('alice');
    const bytes = testBytes(1000);
    const created = await alice.post('/upload-sessions', { storage_id: storageId, blobs: [blobOf(bytes)] });
    expect(created.status).toBe(201);
    const sid = created.body.uploadSessionId as string;
    const device = new V1Client(broker.app, { 'X-Upload-Token': created.body.uploadToken });
    now += 29 * 60_000;
    expect((await device.get(`/upload-sessions/${sid}`)).status).toBe(200);
    now += 2 * 60_000;
    for (const res of [
      await device.get(`/upload-sessions/${sid}`),
      await device.put(`/upload-sessions/${sid}/blobs/${sha256Hex(bytes)}`),
      await device.post(`/upload-sessions/${sid}/complete`),
      await alice.get(`/upload-sessions/${sid}`),
    ]) {
      expect(res.status, JSON.stringify(res.body)).toBe(410);
      expect(res.body).toEqual({ error: 'expired', message: expect.any(String) });
    }
  });
});
