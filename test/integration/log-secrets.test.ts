// A presigned download URL is a bearer link: whoever has it reads the file. The
// broker's request log must not carry it (the 303 Location used to be logged).
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { buildBroker, freshStores, storageConfigs } from '../support/broker.js';
import { testBytes } from '../support/protocol-driver.js';

describe('the request log', () => {
  it('never holds a presigned download URL (PlaceOS GET /:id/url, API v1 GET /blobs/:digest)', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const broker = buildBroker({ storages: storageConfigs(await freshStores()), logger: pino({ level: 'info' }, stream) });
    const alice = broker.as('alice');
    const id = await alice.uploadWhole(testBytes(1000));
    const redirect = await alice.get(`/${id}/url`);
    expect(redirect.status).toBe(303);
    const blob = await broker.v1('alice').upload(testBytes(2000), { filename: 'b.bin' });
    const byDigest = await broker.v1('alice').get(`/blobs/${blob.sha256}`);
    expect(byDigest.status).toBe(303);
    const signatures = [redirect.headers['location'] as string, byDigest.headers['location'] as string].map((url) => new URL(url).searchParams.get('X-Amz-Signature') ?? '');
    expect(signatures.every((s) => s.length > 20)).toBe(true);
    // Both requests were logged (the control), and no line holds either link's signature.
    expect(lines.filter((line) => line.includes('"statusCode":303'))).toHaveLength(2);
    for (const signature of signatures) expect(lines.filter((line) => line.includes(signature))).toEqual([]);
  });
});
