// PlaceOS PATCHes the fuzzer found writing although refused, or accepted although
// they should not be: a finish before every planned part is signed (409, as the
// README promises), a part number outside the plan where the store binds sizes, a
// multipart upload id that changes once reported — each refused before anything
// is written, the record as it was.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBroker, freshStores, storageConfigs, type TestBroker } from '../support/broker.js';
import { MiB, md5b64, testBytes } from '../support/protocol-driver.js';

describe('refused PlaceOS PATCHes change nothing', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = buildBroker({ storages: storageConfigs(await freshStores()) });
  });

  async function threePartS3Upload() {
    const alice = broker.as('alice');
    const bytes = testBytes(12 * MiB);
    const { id, parts, firstBody, resumableId } = await alice.startChunked(bytes, { storage_id: 's3' });
    expect(parts).toHaveLength(3);
    await alice.signPart(id, 1, parts[0]!, firstBody);
    return { alice, id, parts, resumableId };
  }

  const snapshot = async (id: string) => ({ record: await broker.repo.get(id), parts: await broker.repo.listParts(id) });

  it('finish before every planned part is signed: 409 naming the part, and the body (parts claimed done) is not written', async () => {
    const { alice, id, resumableId } = await threePartS3Upload();
    const before = await snapshot(id);
    const res = await alice.patch(`/${id}`, { resumable_id: resumableId, part_list: [1, 2, 3] });
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/part 2 of upload .* was never signed/);
    expect(await snapshot(id)).toEqual(before);
    expect((await alice.get(`/${id}/edit?part=finish`)).status).toBe(409);
  });

  it('a gap is refused the same way, with nothing written', async () => {
    const { alice, id, parts } = await threePartS3Upload();
    await alice.signPart(id, 3, parts[2]!);
    const before = await snapshot(id);
    const res = await alice.patch(`/${id}`, { part_list: [1, 3] });
    expect(res.status).toBe(409);
    expect(await snapshot(id)).toEqual(before);
  });

  it('a part number outside the plan (the store binds sizes) is 400, and its body is not written', async () => {
    const { alice, id } = await threePartS3Upload();
    const before = await snapshot(id);
    const res = await alice.patch(`/${id}?part=9&file_id=${encodeURIComponent(md5b64(testBytes(4)))}`, { part_list: [1] });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/from 1 to 3/);
    expect(await snapshot(id)).toEqual(before);
  });

  it('the multipart upload id cannot change once reported: 409, nothing written', async () => {
    const { alice, id, parts, resumableId } = await threePartS3Upload();
    expect(resumableId).toBeDefined();
    const before = await snapshot(id);
    const res = await alice.patch(`/${id}?part=2&file_id=${encodeURIComponent(md5b64(parts[1]!))}`, { resumable_id: 'another-upload-id' });
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/cannot change once reported/);
    expect(await snapshot(id)).toEqual(before);
    // The same id again is fine.
    expect((await alice.patch(`/${id}?part=2&file_id=${encodeURIComponent(md5b64(parts[1]!))}`, { resumable_id: resumableId })).status).toBe(200);
  });
});
