// The focused ListParts scan (src/stores/s3-list-parts.ts) against the SDK's own reading of the
// same answers, served from a loopback HTTP server: AWS's spelling (&quot; in ETags), Swift's
// (literal quotes), pretty-printed, truncated pages, checksums, CDATA, character references,
// a part without a number. And the store adapter paging through answers read that way, with
// the SDK still reading refusals.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListPartsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { focusedListParts, parseListPartsPage } from '../../src/stores/s3-list-parts.js';
import { createS3Store } from '../../src/stores/s3.js';

const md5 = (n: number) => n.toString(16).padStart(32, 'a');

function page(parts: string[], fields: { truncated?: boolean; next?: number } = {}, newline = ''): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
    '<Bucket>bucket</Bucket><Key>a &amp; b.bin</Key><UploadId>upload-1</UploadId>',
    '<Initiator><ID>me</ID><DisplayName>me</DisplayName></Initiator><Owner><ID>me</ID><DisplayName>me</DisplayName></Owner>',
    '<StorageClass>STANDARD</StorageClass><PartNumberMarker>0</PartNumberMarker>',
    fields.next === undefined ? '' : `<NextPartNumberMarker>${fields.next}</NextPartNumberMarker>`,
    '<MaxParts>1000</MaxParts>',
    `<IsTruncated>${fields.truncated === true}</IsTruncated>`,
    ...parts,
    '</ListPartsResult>',
  ].join(newline);
}

const part = (n: number, etag: string, size = 5_242_880, extra = '') =>
  `<Part><PartNumber>${n}</PartNumber><LastModified>2026-12-01T10:00:00.000Z</LastModified><ETag>${etag}</ETag>${extra}<Size>${size}</Size></Part>`;

const ANSWERS: Record<string, string> = {
  'AWS: ETags with &quot;': page([part(1, `&quot;${md5(1)}&quot;`), part(2, `&quot;${md5(2)}&quot;`, 17)]),
  'Swift: literal quotes': page([part(1, `"${md5(1)}"`), part(3, `"${md5(3)}"`, 0)]),
  'pretty-printed, truncated': page([`\n  <Part>\n    <PartNumber> 4 </PartNumber>\n    <ETag>"${md5(4)}"</ETag>\n    <Size>\n9\n</Size>\n  </Part>`], { truncated: true, next: 4 }, '\n'),
  'checksums, CDATA, character references, a multipart ETag': page([
    part(5, `"${md5(5)}"`, 5, '<ChecksumCRC32>AAAAAA==</ChecksumCRC32>'),
    part(6, `<![CDATA["${md5(6)}"]]>`),
    part(7, `&#34;${md5(7)}&#x22;`),
    part(8, `"${md5(8)}-2"`),
  ]),
  'a part without a number, one without a size': page(['<Part><ETag>"x"</ETag><Size>3</Size></Part>', `<Part><PartNumber>9</PartNumber><ETag>"${md5(9)}"</ETag></Part>`]),
  'no parts': page([]),
};

let server: Server;
let url: string;
let served: (path: string) => { status: number; body: string };

beforeAll(async () => {
  server = createServer((req, res) => {
    const { status, body } = served(req.url ?? '');
    res.writeHead(status, { 'Content-Type': 'application/xml' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const credentials = { accessKeyId: 'key', secretAccessKey: 'secret' };

describe('the focused ListParts scan', () => {
  it.each(Object.keys(ANSWERS))('reads what the SDK reads: %s', async (name) => {
    const xml = ANSWERS[name] as string;
    served = () => ({ status: 200, body: xml });
    const client = new S3Client({ endpoint: url, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 });
    const sdk = await client.send(new ListPartsCommand({ Bucket: 'bucket', Key: 'k', UploadId: 'upload-1' }));
    client.destroy();
    const scanned = parseListPartsPage(xml);
    expect(scanned.parts).toStrictEqual((sdk.Parts ?? []).filter((p) => p.PartNumber !== undefined).map((p) => ({ part: p.PartNumber, size: p.Size ?? 0, ...(p.ETag === undefined ? {} : { etag: p.ETag }) })));
    expect(scanned.isTruncated).toBe(sdk.IsTruncated === true);
    expect(scanned.nextPartNumberMarker).toBe(sdk.NextPartNumberMarker);
  });

  it('reads a successful answer in place of the SDK, whose deserialiser then sees an empty page; a refusal is the SDK\'s', async () => {
    const client = new S3Client({ endpoint: url, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 });
    served = () => ({ status: 200, body: ANSWERS['AWS: ETags with &quot;'] as string });
    const command = new ListPartsCommand({ Bucket: 'bucket', Key: 'k', UploadId: 'upload-1' });
    const scanned = focusedListParts(command);
    const answer = await client.send(command);
    expect(scanned()?.parts.map((p) => p.part)).toEqual([1, 2]);
    expect(answer.Parts ?? []).toEqual([]);
    served = () => ({ status: 404, body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code><Message>no</Message></Error>' });
    const refused = new ListPartsCommand({ Bucket: 'bucket', Key: 'k', UploadId: 'gone' });
    const none = focusedListParts(refused);
    await expect(client.send(refused)).rejects.toMatchObject({ name: 'NoSuchUpload' });
    expect(none()).toBeUndefined();
    client.destroy();
  });

  it('the store adapter pages through scanned answers; refusals are still the SDK\'s to read', async () => {
    const store = createS3Store({ bucket: 'bucket', endpoint: url, region: 'us-east-1', forcePathStyle: true, signContentLength: true, ...credentials }, { transport: { maxAttempts: 1, listPageSize: 2 } });
    served = (path) => {
      const marker = Number(new URL(path, url).searchParams.get('part-number-marker') ?? 0);
      const numbers = [marker + 1, marker + 2].filter((n) => n <= 5);
      return { status: 200, body: page(numbers.map((n) => part(n, `&quot;${md5(n)}&quot;`, n)), { truncated: marker + 2 < 5, next: marker + 2 }) };
    };
    const listed = await store.listUploadedParts({ key: 'k', resumableId: 'upload-1' });
    expect(listed).toStrictEqual([1, 2, 3, 4, 5].map((n) => ({ part: n, size: n, md5Hex: md5(n) })));
    const refusal = (code: string, status: number) => ({ status, body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>no</Message></Error>` });
    served = () => refusal('NoSuchUpload', 404);
    expect(await store.listUploadedParts({ key: 'k', resumableId: 'gone' })).toStrictEqual([]);
    served = () => refusal('NotImplemented', 501);
    expect(await store.listUploadedParts({ key: 'k', resumableId: 'upload-1' })).toStrictEqual([]);
    served = () => refusal('InternalError', 500);
    await expect(store.listUploadedParts({ key: 'k', resumableId: 'upload-1' })).rejects.toMatchObject({ code: 'store_failed' });
  });

  it('with the planned part count the pages are asked for at once, and the listing is the same: gaps, fewer or more parts than planned', async () => {
    const store = createS3Store({ bucket: 'bucket', endpoint: url, region: 'us-east-1', forcePathStyle: true, signContentLength: true, ...credentials }, { transport: { maxAttempts: 1, listPageSize: 2 } });
    // A store as S3 pages it: the first two parts numbered above the marker; truncated while more remain.
    const held = [1, 2, 3, 5, 6, 9, 10, 11, 12, 13, 17];
    const markers: number[] = [];
    served = (path) => {
      const marker = Number(new URL(path, url).searchParams.get('part-number-marker') ?? 0);
      markers.push(marker);
      const above = held.filter((n) => n > marker);
      const numbers = above.slice(0, 2);
      return { status: 200, body: page(numbers.map((n) => part(n, `"${md5(n)}"`, n)), { truncated: above.length > 2, ...(numbers.length > 0 ? { next: numbers[numbers.length - 1] } : {}) }) };
    };
    const everything = held.map((n) => ({ part: n, size: n, md5Hex: md5(n) }));
    expect(await store.listUploadedParts({ key: 'k', resumableId: 'upload-1' })).toStrictEqual(everything);
    const oneByOne = markers.splice(0);
    expect(oneByOne).toEqual([0, 2, 5, 9, 11, 13]);
    for (const expectedParts of [1, 4, 13, 17, 40]) {
      expect(await store.listUploadedParts({ key: 'k', resumableId: 'upload-1', expectedParts }), `expectedParts ${expectedParts}`).toStrictEqual(everything);
      const asked = markers.splice(0);
      // Every page the plan foresees is asked for (from k × 2), whatever the first answers say.
      for (let k = 0; k < Math.ceil(expectedParts / 2); k += 1) expect(asked, `expectedParts ${expectedParts}`).toContain(k * 2);
    }
  });
});
