// Resuming the way the published PlaceOS client (@placeos/cloud-uploads
// 0.2.6-dev, providers/amazon.ts) does. It hashes every part to hex, sends
// file_id as base64 (btoa of the hex's bytes), reports part_data with those hex
// MD5s, keeps the `part_data` a resume answers as its memo, re-signs a part
// from the memo with btoa(hexToBinary(md5)), and builds the S3 commit itself
// from the memo's MD5s as quoted ETags. So `part_data[n].md5` must come back
// in the spelling the client reported (hex), not the broker's base64.
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBroker, freshStores, storageConfigs, type TestStores } from '../support/broker.js';
import { cut, MiB, sendSigned, testBytes } from '../support/protocol-driver.js';

const hex = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');
/** window.btoa(hexToBinary(md5)) in the published client. */
const btoaOfHex = (md5Hex: string) => Buffer.from(md5Hex, 'hex').toString('base64');

describe('the published PlaceOS client on S3', () => {
  let stores: TestStores;
  beforeAll(async () => {
    stores = await freshStores();
  });

  it('resumes: part_data comes back in hex as reported, re-signs from it, and commits with its own manifest', async () => {
    const broker = buildBroker({ storages: storageConfigs(stores) });
    const alice = broker.as('alice');
    const bytes = testBytes(12 * MiB + 321);
    const file = { file_name: 'signage-loop.mp4', file_size: bytes.length, file_id: btoaOfHex(hex(bytes)), file_mime: 'video/mp4' };
    const created = (await alice.post('/', file)).body;
    expect(created.type).toBe('chunked_upload');
    const parts = cut(bytes, created.part_size);
    expect(parts).toHaveLength(3);
    const initiated = await sendSigned(created.signature);
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(await initiated.text())?.[1];
    expect(uploadId).toBeDefined();

    // First part: updateStatus({resumable_id, file_id, part: 1}) — part and file_id in the body.
    const first = await alice.patch(`/${created.upload_id}`, { resumable_id: uploadId, file_id: btoaOfHex(hex(parts[0]!)), part: 1 });
    expect(first.status).toBe(200);
    expect((await sendSigned(first.body.signature, parts[0]!)).status).toBe(200);

    // Second part: signNextChunk — part and file_id (and file_mime) in the query, the memo as part_data in hex.
    const memo = [{ md5: hex(parts[0]!), part: 1 }];
    const query = `part=2&file_id=${encodeURIComponent(btoaOfHex(hex(parts[1]!)))}&file_mime=video%2Fmp4`;
    const second = await alice.patch(`/${created.upload_id}?${query}`, { part_list: [1], part_data: memo });
    expect(second.status).toBe(200);
    expect((await sendSigned(second.body.signature, parts[1]!)).status).toBe(200);
    // The page closes here: part 2 is in the store but was never reported done.

    const resumed = (await alice.post('/', file)).body;
    expect(resumed).toMatchObject({ type: 'parts', upload_id: created.upload_id, part_list: [1, 2] });
    // As reported (hex) for part 1; part 2 was never reported, so the broker's own base64 (md5_hex always there).
    expect(resumed.part_data['1']).toMatchObject({ md5: hex(parts[0]!), md5_hex: hex(parts[0]!), part: 1 });
    expect(resumed.part_data['2']).toMatchObject({ md5: btoaOfHex(hex(parts[1]!)), md5_hex: hex(parts[1]!), part: 2 });

    // The client re-signs a part from its memo: file_id = btoa(hexToBinary(memo.md5)). Before the fix this was a 400.
    const resign = await alice.patch(`/${created.upload_id}?part=1&file_id=${encodeURIComponent(btoaOfHex(resumed.part_data['1'].md5))}`, {
      part_list: [1, 2],
      part_data: [{ md5: hex(parts[0]!), part: 1 }, { md5: hex(parts[1]!), part: 2 }],
    });
    expect(resign.status).toBe(200);
    const third = await alice.patch(`/${created.upload_id}?part=3&file_id=${encodeURIComponent(btoaOfHex(hex(parts[2]!)))}`, { part_list: [1, 2] });
    expect((await sendSigned(third.body.signature, parts[2]!)).status).toBe(200);

    // The commit: sign('finish') then the client's own manifest, its ETags the memo's MD5s in quotes.
    const finish = await alice.get(`/${created.upload_id}/edit?part=finish`);
    expect(finish.status).toBe(200);
    const manifest = `<CompleteMultipartUpload>${parts.map((p, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>"${hex(p)}"</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
    const committed = await sendSigned(finish.body.signature, manifest);
    expect(committed.status, await committed.clone().text()).toBe(200);
    const finalized = await alice.put(`/${created.upload_id}`);
    expect(finalized.status).toBe(200);
    expect(finalized.body.upload).toMatchObject({ state: 'complete', integrity: 'store-md5' });
    expect((await alice.download(created.upload_id)).equals(bytes)).toBe(true);
  });
});
