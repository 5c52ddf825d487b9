// Interrupting Uppy's multipart upload in the browser: pause and resume
// (Uppy asks the broker which parts the store holds and sends only the rest),
// and removing the file (Uppy tells the broker, which must abort the store's
// multipart upload). A gate at the browser's edge holds part 2, so each
// interruption happens at a known point: part 1 stored, part 2 not sent.
//
// While the gate's route is installed, Playwright answers the browser's CORS
// preflights itself; the broker's own preflight answers are covered by
// uppy-s3.test.ts (no route there) and uppy-s3-access.test.ts.
import { HeadObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { USERS } from '../support/broker.js';
import { PartGate, until } from './support/demo-page-driver.js';
import { MiB } from './support/files.js';
import { expectedSha256, useUppyEnvironment } from './support/uppy-environment.js';
import type { UppyPage } from './support/uppy-page.js';

const env = useUppyEnvironment();
/** Six parts at Uppy's 5 MiB minimum part size. */
const SIZE = 30 * MiB;

/** Starts a multipart upload as alice and waits until part 1 is stored and part 2 is held at the gate. */
async function startAndHoldPartTwo(name: string, seed: number): Promise<{ page: UppyPage; gate: PartGate; key: string; uploadId: string }> {
  const token = await env.mintToken(USERS.alice.key);
  const page = await env.openPage();
  const gate = await PartGate.install(page.page, 2);
  await page.start({ endpoint: token.url, name, size: SIZE, type: 'application/octet-stream', seed, shouldUseMultipart: true });
  // Uppy signs and sends part 2 only once part 1's PUT answered with its ETag; an error ends the wait early.
  const failed = async () => (await page.events()).some((event) => event.type === 'upload-error');
  const state = await until(async () => ({ held: gate.heldCount, failed: await failed() }), (s) => s.held === 1 || s.failed, `part 2 of ${name} to reach the gate`, 60_000);
  if (state.failed) throw new Error(`Uppy failed before part 2 of ${name}:\n${await page.describe()}`);
  const multipart = await page.multipart();
  if (!multipart) throw new Error(`Uppy holds no multipart upload for ${name}`);
  expect(env.gateway.partPutsStored(multipart.key)).toEqual([1]);
  return { page, gate, ...multipart };
}

async function storeMultipartUploads(key: string): Promise<string[]> {
  const listing = await env.swift.send(new ListMultipartUploadsCommand({ Bucket: env.stores.s3.bucket, Prefix: key }));
  return (listing.Uploads ?? []).filter((upload) => upload.Key === key).map((upload) => upload.UploadId!);
}

describe('Uppy multipart interrupted', { timeout: 120_000 }, () => {
  it('pauses after part 1, resumes from the listed parts, and stores no part twice', async () => {
    const seed = 404;
    const { page, gate, key, uploadId } = await startAndHoldPartTwo('uppy-pause-30mib.bin', seed);

    await page.pauseFile();
    expect(await page.isPaused()).toBe(true);
    // Pausing aborted part 2 in the page; fail the held request too, so it never reaches the store.
    await gate.drop();

    // Resuming asks the broker for the parts the store holds: GET <endpoint>/s3/multipart/<uploadId>?key=<key>.
    const listParts = page.page.waitForRequest((request) => {
      const url = new URL(request.url());
      return request.method() === 'GET' && url.pathname.endsWith(`/s3/multipart/${encodeURIComponent(uploadId)}`) && url.searchParams.get('key') === key;
    });
    await page.resumeFile();
    await listParts;
    const result = await page.finish();
    expect(result.type, await page.describe()).toBe('upload-success');

    const record = await env.completeRecord('uppy-pause-30mib.bin');
    expect(record).toMatchObject({ object_key: key, file_size: SIZE, integrity: 'listed-etags' });
    // Each part reached the store and was stored exactly once: part 1 was not sent again.
    expect(env.gateway.partPutsReceived(key)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(env.gateway.partPutsStored(key)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await env.storedSha256(key)).toBe(expectedSha256(seed, SIZE));
  });

  it('removing the file mid-upload leaves no multipart upload and no object in the store', async () => {
    const { page, gate, key, uploadId } = await startAndHoldPartTwo('uppy-remove-30mib.bin', 505);
    // The condition below must start out false, or it proves nothing. (Uppy's uploadId is the
    // broker's upload id; the store's own UploadId stays with the broker.)
    expect(await storeMultipartUploads(key)).toHaveLength(1);

    await page.removeFile();
    await gate.drop();

    // Uppy sends DELETE <endpoint>/s3/multipart/<uploadId>?key= without waiting for it: wait for the store.
    await until(() => storeMultipartUploads(key), (uploads) => uploads.length === 0, `the store to drop multipart upload ${uploadId}`, 30_000);
    await expect(env.swift.send(new HeadObjectCommand({ Bucket: env.stores.s3.bucket, Key: key }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    expect((await page.events()).filter((event) => event.type === 'upload-success')).toEqual([]);
  });
});
