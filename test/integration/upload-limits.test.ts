// Issue 9's limits over HTTP (PlaceOS and API v1; Uppy in upload-limits-uppy.test.ts): the cap
// on a user's unfinished uploads (429 too_many_uploads + Retry-After) and the tenant byte
// quota (413 quota_exceeded), each naming the limit and the numbers; a refused create changes
// nothing (no record, no count, nothing in the store's listing); places and bytes come back on
// completion, abort and expiry; two brokers on one Redis at the limit: exactly one create wins.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Limits } from '../../src/domain/context.js';
import { buildBroker, freshStores, redisRepository, storageConfigs, type TestBroker, type TestStores } from '../support/broker.js';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import { MiB, md5b64, testBytes } from '../support/protocol-driver.js';
import { s3ClientFor } from '../support/provision.js';
import { sha256Hex } from '../support/v1-driver.js';

const DAY_S = 24 * 60 * 60;

/** The ids of the multipart uploads open in the test bucket. */
async function openMultipartUploads(stores: TestStores): Promise<string[]> {
  const swift = s3ClientFor(inject('swift'));
  try {
    return ((await swift.send(new ListMultipartUploadsCommand({ Bucket: stores.s3.bucket }))).Uploads ?? []).map((u) => u.UploadId ?? '').sort();
  } finally {
    swift.destroy();
  }
}

function manualClock() {
  let time = Date.now();
  return { now: () => time, advance: (ms: number) => void (time += ms) };
}

describe('upload limits over HTTP', () => {
  let stores: TestStores;
  beforeAll(async () => {
    stores = await freshStores();
  });

  const brokerWith = (limits: Partial<Limits>, options: { prefix?: string; clock?: ReturnType<typeof manualClock> } = {}): TestBroker =>
    buildBroker({ storages: storageConfigs(stores), limits, repo: redisRepository(options.prefix, options.clock), ...(options.clock ? { clock: options.clock } : {}) });

  /** What a refusal must leave as it was: the user's records and both counts. */
  const snapshot = async (broker: TestBroker, tenant: string, owner: string) => ({
    listed: await broker.repo.list({ tenant, owner, limit: 1000, offset: 0 }),
    usage: await broker.repo.quotaUsage(tenant, owner),
  });

  it('PlaceOS: the cap refuses the third unfinished upload with 429 and Retry-After, changing nothing; an abort or a completion frees a place', async () => {
    const broker = brokerWith({ maxUnfinishedUploadsPerUser: 2 });
    const alice = broker.as('alice');
    const first = await alice.create(testBytes(100), { file_name: 'one.bin' });
    await alice.create(testBytes(101), { file_name: 'two.bin' });
    const before = await snapshot(broker, 'acme', 'alice');
    const third = testBytes(102);
    const refused = await alice.post('/', { file_name: 'three.bin', file_size: third.length, file_id: md5b64(third) });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error: 'too_many_uploads', message: expect.stringMatching(/alice has 2 unfinished uploads.*max_unfinished_uploads_per_user = 2.*retry in \d+ s/) });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(DAY_S - 120);
    expect(retryAfter).toBeLessThanOrEqual(DAY_S);
    expect(await snapshot(broker, 'acme', 'alice')).toEqual(before);
    // A resume of an unfinished upload takes no new place; another user has their own cap.
    expect((await alice.post('/', { file_name: 'one.bin', file_size: 100, file_id: (await broker.repo.get(first.upload_id))?.fileMd5 })).status).toBe(200);
    await broker.as('bob').create(testBytes(103));
    expect((await alice.delete(`/${first.upload_id}`)).status).toBeLessThan(300);
    const id = await alice.uploadWhole(third, { file_name: 'three.bin' });
    expect((await broker.repo.get(id))?.state).toBe('complete');
    expect(await broker.repo.quotaUsage('acme', 'alice')).toMatchObject({ unfinished: 1 });
    await alice.create(testBytes(104), { file_name: 'four.bin' });
  });

  it('PlaceOS: the tenant quota refuses bytes past it with 413, changing nothing; an abort gives the bytes back; another tenant is untouched', async () => {
    const broker = brokerWith({ tenantQuotas: { byTenant: { acme: 1_000 } } });
    const held = await broker.as('alice').create(testBytes(600), { file_name: 'held.bin' });
    const before = await snapshot(broker, 'acme', 'bob');
    const refused = await broker.as('bob').post('/', { file_name: 'big.bin', file_size: 500, file_id: 'XrY7u+Ae7tCTyyK7j1rNww==' });
    expect(refused.status).toBe(413);
    expect(refused.body).toEqual({ error: 'quota_exceeded', message: 'tenant acme holds 600 bytes of its 1000-byte quota; this upload\'s 500 bytes would take it past the quota' });
    expect(await snapshot(broker, 'acme', 'bob')).toEqual(before);
    expect((await broker.repo.quotaUsage('acme', 'bob')).tenantBytes).toBe(600);
    await broker.as('carol').create(testBytes(5_000));
    expect((await broker.as('alice').delete(`/${held.upload_id}`)).status).toBeLessThan(300);
    expect((await broker.repo.quotaUsage('acme', 'alice')).tenantBytes).toBe(0);
    await broker.as('bob').create(testBytes(500), { file_name: 'big.bin' });
  });

  it('expiry: an expired upload stops counting against the cap with no sweep; the sweep gives its bytes back', async () => {
    const clock = manualClock();
    const broker = brokerWith({ maxUnfinishedUploadsPerUser: 1, tenantQuotas: { byTenant: {}, defaultBytes: 1_000 }, uploadTtlMinutes: 10 }, { clock });
    const alice = broker.as('alice');
    await alice.create(testBytes(800), { file_name: 'idle.bin' });
    expect((await alice.post('/', { file_name: 'next.bin', file_size: 100, file_id: 'XrY7u+Ae7tCTyyK7j1rNww==' })).status).toBe(429);
    clock.advance(10 * 60_000 + 1);
    // No longer unfinished, but its bytes are held until the sweeper expires it.
    const quota = await alice.post('/', { file_name: 'next.bin', file_size: 300, file_id: 'XrY7u+Ae7tCTyyK7j1rNww==' });
    expect([quota.status, quota.body.error]).toEqual([413, 'quota_exceeded']);
    expect((await broker.sweep('sweeper-1')).expired).toBe(1);
    expect(await broker.repo.quotaUsage('acme', 'alice')).toEqual({ unfinished: 0, tenantBytes: 0 });
    await alice.create(testBytes(300), { file_name: 'next.bin' });
  });

  it('API v1: initiate and upload sessions are refused at the cap (429) and at the quota (413), changing nothing; a dedupe hit takes no place', async () => {
    const broker = brokerWith({ maxUnfinishedUploadsPerUser: 1, tenantQuotas: { byTenant: { acme: 10_000 } } });
    const v1 = broker.v1('alice');
    const present = testBytes(2_000);
    await v1.upload(present, { filename: 'present.bin' });
    const open = await v1.initiate({ filename: 'open.bin', size: 1_000 });
    expect(open.status).toBe(202);
    const before = await snapshot(broker, 'acme', 'alice');
    const capped = await v1.initiate({ filename: 'more.bin', size: 10 });
    expect([capped.status, capped.body.error, Number(capped.headers['retry-after']) > 0]).toEqual([429, 'too_many_uploads', true]);
    const session = await v1.post('/upload-sessions', { blobs: [{ sha256: sha256Hex(testBytes(11)), size: 11 }] });
    expect([session.status, session.body.error]).toEqual([429, 'too_many_uploads']);
    expect(await snapshot(broker, 'acme', 'alice')).toEqual(before);
    // Already present: complete at once, so not unfinished — but it holds its bytes.
    const hit = await v1.initiate({ filename: 'again.bin', size: present.length, sha256: sha256Hex(present) });
    expect(hit.status).toBe(200);
    expect(await broker.repo.quotaUsage('acme', 'alice')).toEqual({ unfinished: 1, tenantBytes: 5_000 });
    const bob = broker.v1('bob');
    const beforeBob = await snapshot(broker, 'acme', 'bob');
    const over = await bob.initiate({ filename: 'huge.bin', size: 5_001 });
    expect(over.status).toBe(413);
    expect(over.body).toEqual({ error: 'quota_exceeded', message: expect.stringMatching(/tenant acme holds 5000 bytes of its 10000-byte quota/) });
    expect(await snapshot(broker, 'acme', 'bob')).toEqual(beforeBob);
    expect((await bob.initiate({ filename: 'fits.bin', size: 5_000 })).status).toBe(202);
    // Destroying the open upload frees alice's place.
    expect((await v1.delete(`/uploads/${open.body.id}`)).status).toBeLessThan(300);
    expect((await v1.initiate({ filename: 'more.bin', size: 10 })).status).toBe(202);
  });

  it('API v1: a session refused at its third blob holds nothing — the uploads made for the first two are aborted in the store too', async () => {
    const broker = brokerWith({ maxUnfinishedUploadsPerUser: 2 });
    const blobs = [1, 2, 3].map((n) => ({ sha256: sha256Hex(testBytes(n)), size: 6 * MiB }));
    const before = await openMultipartUploads(stores);
    const refused = await broker.v1('alice').post('/upload-sessions', { blobs, storage_id: 's3' });
    expect([refused.status, refused.body.error]).toEqual([429, 'too_many_uploads']);
    expect(await broker.repo.quotaUsage('acme', 'alice')).toEqual({ unfinished: 0, tenantBytes: 0 });
    const listed = await broker.repo.list({ tenant: 'acme', owner: 'alice', limit: 10, offset: 0 });
    expect(listed.items.map((r) => r.state)).toEqual(['aborted', 'aborted']);
    expect(await openMultipartUploads(stores)).toEqual(before);
  });

  it('two brokers on one Redis, concurrent creates at the cap: exactly one wins', async () => {
    const prefix = `limits-${Date.now()}`;
    const brokers = [brokerWith({ maxUnfinishedUploadsPerUser: 3 }, { prefix }), brokerWith({ maxUnfinishedUploadsPerUser: 3 }, { prefix })];
    await brokers[0]?.as('alice').create(testBytes(10), { file_name: 'a.bin' });
    await brokers[1]?.as('alice').create(testBytes(11), { file_name: 'b.bin' });
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, n) => brokers[n % 2]?.as('alice').post('/', { file_name: `race-${n}.bin`, file_size: 20 + n, file_id: 'XrY7u+Ae7tCTyyK7j1rNww==' })),
    );
    const statuses = answers.map((res) => res?.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 429)).toHaveLength(9);
    expect((await brokers[0]?.repo.list({ tenant: 'acme', owner: 'alice', limit: 100, offset: 0 }))?.total).toBe(3);
  });
});
