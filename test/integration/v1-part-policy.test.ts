// A storage's part policy (seed 004) as API v1 clients meet it, on Swift's S3 API and
// on Azurite: the plan answered at initiate at each boundary, and a 400 naming the
// rule for a part size or a part number outside it — before anything is signed.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBroker, freshStores, storageConfigs, type TestBroker } from '../support/broker.js';
import { MiB, sendSigned, testBytes, md5b64 } from '../support/protocol-driver.js';

const POLICY = { minPartSize: 5 * MiB, maxPartSize: 96 * MiB, partSizeUnit: MiB, maxPartCount: 10_000 };

describe.each(['s3', 'azure'] as const)('part policy on %s', (storageId) => {
  let broker: TestBroker;
  beforeAll(async () => {
    const stores = await freshStores();
    broker = buildBroker({ storages: storageConfigs(stores, { s3: { partPolicy: POLICY }, azure: { partPolicy: POLICY } }) });
  });

  const initiate = (size: number, partSize?: number) =>
    broker.v1('alice').initiate({ filename: 'policy.bin', size, storage_id: storageId, ...(partSize === undefined ? {} : { part_size: partSize }) });

  it('plans at each boundary', async () => {
    expect((await initiate(100 * MiB, 5 * MiB)).body).toMatchObject({ strategy: 'multipart', part_size: 5 * MiB, part_count: 20 });
    expect((await initiate(100 * MiB, 96 * MiB)).body).toMatchObject({ part_size: 96 * MiB, part_count: 2 });
    expect((await initiate(10_000 * 5 * MiB)).body).toMatchObject({ part_size: 5 * MiB, part_count: 10_000 });
    // One byte more than 10,000 minimum parts hold: the next whole MiB.
    expect((await initiate(10_000 * 5 * MiB + 1)).body).toMatchObject({ part_size: 6 * MiB, part_count: 8_334 });
  });

  it('refuses a part size outside the policy, naming the rule, and creates nothing', async () => {
    const cases: Array<[number, number, RegExp]> = [
      [100 * MiB, 5 * MiB - MiB, /below this storage's minimum of 5242880/],
      [100 * MiB, 5 * MiB + 1, /not a multiple of 1048576/],
      [200 * MiB, 97 * MiB, /above this storage's maximum of 100663296/],
      [10_000 * 5 * MiB + 1, 5 * MiB, /into 10001 parts; this storage takes at most 10000/],
    ];
    for (const [size, partSize, message] of cases) {
      const res = await initiate(size, partSize);
      expect(res.status, `${size}/${partSize}`).toBe(400);
      expect(res.body).toMatchObject({ error: 'bad_request', message: expect.stringMatching(message) });
    }
    const listed = await broker.repo.list({ tenant: 'acme', owner: 'alice', search: 'policy', limit: 1000, offset: 0 });
    // Only the uploads of the boundary test above exist: no refused one was created.
    expect(listed.items.every((r) => r.partSize !== 5 * MiB + 1 && r.partSize !== 97 * MiB)).toBe(true);
  });

  it('a part number outside the plan is refused before anything is signed', async () => {
    const created = await initiate(12 * MiB, 6 * MiB);
    const res = await broker.v1('alice').post(`/uploads/${created.body.id}/parts`, { parts: [{ number: 1 }, { number: 3 }] });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/part 3 is outside this upload's plan: parts 1 to 2/);
  });

  it('the store holds the part to its planned size where it can bind it (S3 Content-Length)', async () => {
    const created = await initiate(12 * MiB, 6 * MiB);
    const bytes = testBytes(6 * MiB);
    const signed = await broker.v1('alice').post(`/uploads/${created.body.id}/parts`, { parts: [{ number: 1, md5: md5b64(bytes) }] });
    const [part] = signed.body.parts as Array<{ method: string; url: string; headers: Record<string, string> }>;
    const shorter = bytes.subarray(0, 5 * MiB);
    // fetch sends the real length, not the signed one.
    const { 'Content-Length': _signed, ...headers } = part!.headers;
    const answer = await sendSigned({ verb: part!.method, url: part!.url, headers: { ...headers, 'Content-MD5': md5b64(shorter) } }, shorter);
    // S3 refuses another length (the signature binds it); Azure cannot bind it: complete refuses the size later.
    expect(answer.status).toBe(storageId === 's3' ? 403 : 201);
  });
});
