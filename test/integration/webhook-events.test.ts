// Which calls publish upload events, through a recording events port: every create path
// (PlaceOS, API v1 with and without dedupe, Uppy's multipart), each transition once even when
// two requests race over one Redis, and refused or repeated requests publish nothing.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { UploadEvent, UploadEvents } from '../../src/domain/events.js';
import type { UploadRepository } from '../../src/domain/ports.js';
import { buildBroker, freshStores, redisRepository, storageConfigs, type TestBroker, type TestStores } from '../support/broker.js';
import { mintEndpoint } from '../support/companion-driver.js';
import { md5b64, sendSigned, testBytes } from '../support/protocol-driver.js';
import { sha256Hex } from '../support/v1-driver.js';

class RecordingEvents implements UploadEvents {
  readonly events: UploadEvent[] = [];
  async publish(event: UploadEvent): Promise<void> {
    this.events.push(event);
  }
  /** [upload id, type] of each event, in order. */
  list(): Array<[string, string]> {
    return this.events.map((e) => [e.upload.id, e.type]);
  }
}

describe('upload events', () => {
  let stores: TestStores;
  let recorder: RecordingEvents;
  let broker: TestBroker;
  const repos: UploadRepository[] = [];
  beforeAll(async () => {
    stores = await freshStores();
  });
  afterEach(async () => {
    await Promise.all(repos.splice(0).map((repo) => repo.close()));
  });
  const fresh = (shared?: string) => {
    recorder = new RecordingEvents();
    const repo = redisRepository(shared);
    repos.push(repo);
    broker = buildBroker({ storages: storageConfigs(stores), repo, events: recorder });
    return broker;
  };

  it('API v1: created and completed; a dedupe hit is a created and a completed record of its own', async () => {
    fresh();
    const alice = broker.v1('alice');
    const bytes = testBytes(2000);
    const first = await alice.upload(bytes, { storage_id: 'azure' });
    const again = await alice.initiate({ filename: 'again.bin', size: bytes.length, sha256: sha256Hex(bytes), storage_id: 'azure' });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(recorder.list()).toEqual([[first.id, 'upload.created'], [first.id, 'upload.completed'], [again.body.id, 'upload.created'], [again.body.id, 'upload.completed']]);
    expect(recorder.events[1]?.upload).toMatchObject({ state: 'complete', sha256: sha256Hex(bytes), fileSize: 2000 });
  });

  it("Uppy's form upload (GET /s3/params): created", async () => {
    fresh();
    const alice = await mintEndpoint(broker.app, 'alice');
    const res = await alice.params({ filename: 'photo.jpg', type: 'image/jpeg' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(recorder.list().map(([, type]) => type)).toEqual(['upload.created']);
    expect(recorder.events[0]?.upload).toMatchObject({ fileName: 'photo.jpg', integrity: 'policy-size', state: 'pending' });
  });

  it('a temporary upload whose lifetime ended: expired, once', async () => {
    let now = Date.now();
    const clock = { now: () => now };
    recorder = new RecordingEvents();
    broker = buildBroker({ storages: storageConfigs(stores), clock, events: recorder, limits: { temporaryTtlMinutes: 5 } });
    const done = await broker.v1('alice').upload(testBytes(700), { storage_id: 'azure', temporary: true });
    now += 6 * 60_000;
    expect((await broker.sweep('one')).released).toBe(1);
    expect((await broker.sweep('one')).released).toBe(0);
    expect(recorder.list()).toEqual([[done.id, 'upload.created'], [done.id, 'upload.completed'], [done.id, 'upload.expired']]);
    expect(recorder.events[2]?.upload).toMatchObject({ state: 'expired', temporary: true });
  });

  it("Uppy's multipart: created, and aborted on its DELETE", async () => {
    fresh();
    const alice = await mintEndpoint(broker.app, 'alice');
    const handle = await alice.start('clip.mp4');
    expect((await alice.abort(handle.uploadId, handle.key)).status).toBeLessThan(300);
    const [[id] = ['']] = recorder.list();
    expect(recorder.list()).toEqual([[id, 'upload.created'], [id, 'upload.aborted']]);
    expect(recorder.events[0]?.upload.objectKey).toBe(handle.key);
  });

  it('two requests racing over one Redis publish each transition once', async () => {
    const shared = `race${Date.now()}`;
    const a = fresh(shared);
    const recordA = recorder;
    const b = fresh(shared);
    const recordB = recorder;
    const bytes = testBytes(1500);
    const created = await a.as('alice').create(bytes, { storage_id: 'azure' });
    expect((await sendSigned(created.signature, bytes)).status).toBeLessThan(300);
    const finals = await Promise.all([a.as('alice').put(`/${created.upload_id}`), b.as('alice').put(`/${created.upload_id}`)]);
    expect(finals.map((r) => r.status)).toEqual([200, 200]);
    const other = await a.as('alice').create(testBytes(1600), { storage_id: 's3' });
    const aborts = await Promise.all([a.as('alice').delete(`/${other.upload_id}`), b.as('alice').delete(`/${other.upload_id}`)]);
    expect(aborts.map((r) => r.status)).toEqual([202, 202]);
    const types = [...recordA.list(), ...recordB.list()].map(([id, type]) => `${id === created.upload_id ? 'first' : 'other'} ${type}`).sort();
    expect(types).toEqual(['first upload.completed', 'first upload.created', 'other upload.aborted', 'other upload.created']);
  });

  it('refused and repeated requests publish nothing', async () => {
    fresh();
    const alice = broker.as('alice');
    const bytes = testBytes(1200);
    const created = await alice.create(bytes, { storage_id: 'azure' });
    const id = created.upload_id;
    const before = recorder.list();
    expect(before).toEqual([[id, 'upload.created']]);

    const refused = [
      await alice.post('/', { file_name: 'x.bin', file_id: md5b64(bytes) }),
      await alice.post('/', { file_name: 'x.bin', file_size: 10, file_id: md5b64(bytes), storage_id: 'nowhere' }),
      await broker.v1('alice').initiate({ filename: 'x.bin', size: -1 }),
      await broker.as('carol').delete(`/${id}`),
      await broker.as('carol').put(`/${id}`),
      // Nothing in the store yet: verification fails, the upload stays open.
      await alice.put(`/${id}`),
    ];
    for (const res of refused) {
      expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    expect(recorder.list()).toEqual(before);

    // A resume of the same file is no new upload.
    expect((await alice.create(bytes, { storage_id: 'azure' })).upload_id).toBe(id);
    expect((await sendSigned(created.signature, bytes)).status).toBeLessThan(300);
    expect((await alice.put(`/${id}`)).status).toBe(200);
    expect((await alice.put(`/${id}`)).status).toBe(200);
    expect((await alice.delete(`/${id}`)).status).toBe(202);
    expect((await alice.delete(`/${id}`)).status).toBe(202);
    expect(recorder.list()).toEqual([[id, 'upload.created'], [id, 'upload.completed'], [id, 'upload.aborted']]);
  });
});
