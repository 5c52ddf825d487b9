// Resume from another broker instance, store-enforced part integrity,
// signature tampering and expiry, and finalize's verification.
import { beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import type { UploadRepository } from '../../src/domain/ports.js';
import { createMemoryRepository } from '../../src/state/memory.js';
import { buildBroker, freshStores, redisRepository, storageConfigs, type TestStores } from '../support/broker.js';
import { cut, md5b64, MiB, sendSigned, testBytes } from '../support/protocol-driver.js';
import { untilExpired } from '../support/url-expiry.js';

describe.each(['s3', 'azure'] as const)('%s: resume, integrity, verification', (storageId) => {
  // What the store answers a successful write: S3 PUT/POST 200, Azure Put Blob/Block/Block List 201.
  const written = storageId === 's3' ? 200 : 201;
  let stores: TestStores;
  beforeAll(async () => {
    stores = await freshStores();
  });

  it('resumes on a NEW broker instance sharing Redis: `parts` lists exactly the done parts', async () => {
    const prefix = `resume${Math.random().toString(36).slice(2, 8)}`;
    const repos: UploadRepository[] = [];
    const instance = () => {
      const repo = redisRepository(prefix);
      repos.push(repo);
      return buildBroker({ storages: storageConfigs(stores), repo });
    };
    const bytes = testBytes(15 * MiB + 777);
    const first = instance().as('alice');
    const created = await first.create(bytes, { storage_id: storageId, file_name: 'big.mov' });
    const resumableId = await first.initiate(created.signature);
    const parts = cut(bytes, created.part_size);
    expect(parts).toHaveLength(4);
    expect(await first.uploadPart(created.upload_id, 1, parts[0]!, resumableId ? { resumable_id: resumableId } : {})).toBe(written);
    expect(await first.uploadPart(created.upload_id, 3, parts[2]!)).toBe(written);
    // Part 2 is signed but its bytes never arrive: it must not count as done.
    await first.signPart(created.upload_id, 2, parts[1]!);

    const second = instance().as('alice');
    const resumed = await second.create(bytes, { storage_id: storageId, file_name: 'big.mov' });
    expect(resumed.type).toBe('parts');
    expect(resumed.upload_id).toBe(created.upload_id);
    expect(resumed.part_list).toEqual([1, 3]);
    expect(resumed.resumable_id).toBe(resumableId ?? null);
    for (const part of [2, 4]) expect(await second.uploadPart(created.upload_id, part, parts[part - 1]!)).toBe(written);
    const finish = await second.finish(created.upload_id, { part_list: [1, 2, 3, 4] });
    const commit = await sendSigned(finish.signature, finish.body);
    expect(commit.status, await commit.text()).toBe(written);
    expect((await second.put(`/${created.upload_id}`)).status).toBe(200);
    expect((await second.download(created.upload_id)).equals(bytes)).toBe(true);
    await Promise.all(repos.map((r) => r.close()));
  });

  it('the store rejects a part whose bytes differ from the MD5 the broker signed', async () => {
    const alice = buildBroker({ storages: storageConfigs(stores) }).as('alice');
    const bytes = testBytes(10 * MiB + 5);
    const created = await alice.create(bytes, { storage_id: storageId });
    const resumableId = await alice.initiate(created.signature);
    const part = cut(bytes, created.part_size)[0]!;
    const signature = await alice.signPart(created.upload_id, 1, part, resumableId ? { resumable_id: resumableId } : {});
    const corrupted = Buffer.from(part);
    corrupted[1000] = (corrupted[1000]! + 1) % 256;
    const res = await sendSigned(signature, corrupted);
    expect(res.status).toBe(400);
    // The refusal is the digest check, not some other 400 (Azurite: InvalidOperation "Provided contentMD5 doesn't match.").
    const text = await res.text();
    expect(text).toContain(`<Code>${storageId === 's3' ? 'BadDigest' : 'InvalidOperation'}</Code>`);
    expect(text).toMatch(/md5/i);
  });

  it('a tampered part URL is refused (403), and so is an expired one', async () => {
    // Two brokers on one record store: the upload starts with ordinary signatures (an initiation
    // URL living one second could expire on a busy machine before it is sent), and part 1 is
    // signed by a broker whose part URLs live one second.
    const repo = createMemoryRepository({ clock: systemClock });
    const alice = buildBroker({ storages: storageConfigs(stores), repo }).as('alice');
    const hurried = buildBroker({ storages: storageConfigs(stores), repo, limits: { partUrlExpirySeconds: 1 } }).as('alice');
    const bytes = testBytes(6 * MiB);
    const created = await alice.create(bytes, { storage_id: storageId });
    const resumableId = await alice.initiate(created.signature);
    const part = cut(bytes, created.part_size)[0]!;
    const signature = await hurried.signPart(created.upload_id, 1, part, resumableId ? { resumable_id: resumableId } : {});
    const tampered = signature.url.replace(/(Signature=|sig=)([0-9a-zA-Z%])/, (_, k: string, c: string) => `${k}${c === 'a' ? 'b' : 'a'}`);
    expect(tampered).not.toBe(signature.url);
    expect((await sendSigned({ ...signature, url: tampered }, part)).status).toBe(403);
    await untilExpired(signature.url);
    // Azure SAS is back-dated a minute for skew but expires on time.
    expect((await sendSigned(signature, part)).status).toBe(403);
  });

  it('finalize before the commit answers 422 and the upload stays resumable', async () => {
    const alice = buildBroker({ storages: storageConfigs(stores) }).as('alice');
    const { created, parts, firstBody } = await alice.startChunked(testBytes(10 * MiB + 10), { storage_id: storageId });
    await alice.uploadParts(created.upload_id, parts, [1, 2, 3], firstBody);
    const early = await alice.put(`/${created.upload_id}`);
    expect(early.status).toBe(422);
    expect(early.body).toMatchObject({ error: 'verification_failed' });
    expect((await alice.get(`/${created.upload_id}`)).body.state).toBe('uploading');
    // Still resumable: commit now and finalize.
    const finish = await alice.finish(created.upload_id);
    expect((await sendSigned(finish.signature, finish.body)).status).toBe(written);
    expect((await alice.put(`/${created.upload_id}`)).status).toBe(200);
  });

  it('a commit with a missing part fails at the store, and finalize answers 422', async () => {
    const alice = buildBroker({ storages: storageConfigs(stores) }).as('alice');
    const { created, parts, firstBody } = await alice.startChunked(testBytes(10 * MiB + 10), { storage_id: storageId });
    // Parts 1 and 3 uploaded; part 2 only signed.
    await alice.uploadParts(created.upload_id, parts, [1], firstBody);
    await alice.signPart(created.upload_id, 2, parts[1]!);
    await alice.uploadParts(created.upload_id, parts, [3]);
    const finish = await alice.finish(created.upload_id);
    const commit = await sendSigned(finish.signature, finish.body);
    expect(commit.status).toBe(400);
    expect(await commit.text()).toContain(`<Code>${storageId === 's3' ? 'InvalidPart' : 'InvalidBlockList'}</Code>`);
    const finalized = await alice.put(`/${created.upload_id}`);
    expect(finalized.status).toBe(422);
    expect(finalized.body.error).toBe('verification_failed');
  });

  it('a committed object that differs from the recorded parts is refused with 422', async () => {
    const alice = buildBroker({ storages: storageConfigs(stores) }).as('alice');
    const { created, parts, firstBody } = await alice.startChunked(testBytes(10 * MiB + 10), { storage_id: storageId });
    await alice.uploadParts(created.upload_id, parts, [1, 2, 3], firstBody);
    const finish = await alice.finish(created.upload_id);
    // The client commits only the first two parts (a truncated object).
    const truncated = storageId === 's3'
      ? finish.body.replace(/<Part><PartNumber>3<\/PartNumber>.*?<\/Part>/, '')
      : finish.body.replace('<Latest>MDAwMDAz</Latest>', '');
    expect(truncated).not.toBe(finish.body);
    expect((await sendSigned(finish.signature, truncated)).status).toBe(written);
    const res = await alice.put(`/${created.upload_id}`);
    expect(res.status).toBe(422);
    expect(res.body.message).toMatch(/bytes|ETag|block list/);
  });

  it('a direct upload whose object never arrived is not complete (422); one that did is (200), and PATCH after complete is 409', async () => {
    const alice = buildBroker({ storages: storageConfigs(stores) }).as('alice');
    const bytes = testBytes(1000);
    const created = await alice.create(bytes, { storage_id: storageId });
    const early = await alice.put(`/${created.upload_id}`);
    expect(early.status).toBe(422);
    expect(early.body).toMatchObject({ error: 'verification_failed', message: expect.stringContaining('not in the store') });
    expect((await sendSigned(created.signature, bytes)).status).toBe(written);
    expect((await alice.put(`/${created.upload_id}`)).status).toBe(200);
    expect((await alice.put(`/${created.upload_id}`)).status).toBe(200);
    const patch = await alice.patch(`/${created.upload_id}?part=1&file_id=${encodeURIComponent(md5b64(bytes))}`);
    expect(patch.status).toBe(409);
    expect(patch.body.error).toBe('conflict');
  });

  it('the direct signature cannot change the object after finalize verified it', async () => {
    const alice = buildBroker({ storages: storageConfigs(stores) }).as('alice');
    const bytes = testBytes(3000);
    const created = await alice.create(bytes, { storage_id: storageId });
    expect((await sendSigned(created.signature, bytes)).status).toBe(storageId === 's3' ? 200 : 201);
    expect((await alice.put(`/${created.upload_id}`)).status).toBe(200);
    const other = testBytes(3000);
    // S3: the URL binds the MD5, so other bytes are refused (and the same bytes change nothing).
    // Azure: the SAS is create-only, so no second PUT of any bytes is accepted.
    const again = await sendSigned(created.signature, other, { 'Content-MD5': md5b64(other) });
    expect(again.status).toBe(403);
    expect((await alice.download(created.upload_id)).equals(bytes)).toBe(true);
  });

  it('a direct PUT with the wrong bytes is refused by the store', async () => {
    const alice = buildBroker({ storages: storageConfigs(stores) }).as('alice');
    const bytes = testBytes(2048);
    const created = await alice.create(bytes, { storage_id: storageId });
    const res = await sendSigned(created.signature, testBytes(2048));
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/md5/i);
    expect((await alice.put(`/${created.upload_id}`)).status).toBe(422);
  });
});
