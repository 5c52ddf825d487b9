// The published Uppy (@uppy/core + @uppy/aws-s3, companionEndpoint mode) in
// headless Chromium, on its own origin, uploading through the broker's Uppy
// S3 protocol to Swift: by default with a POST-policy form (checked and stored
// by the gateway in front of Swift, which lacks POST-policy support), and as a
// multipart upload when asked. Each upload must end as a complete record whose
// bytes in Swift are the page's bytes.
import { describe, expect, it } from 'vitest';
import { USERS } from '../support/broker.js';
import { MiB } from './support/files.js';
import { expectedSha256, useUppyEnvironment } from './support/uppy-environment.js';

const env = useUppyEnvironment();

/** Uploads one seeded file as alice with the page's Uppy; resolves once Uppy reports success. */
async function uploadWithUppy(file: { name: string; size: number; seed: number; shouldUseMultipart?: boolean }) {
  const token = await env.mintToken(USERS.alice.key);
  const page = await env.openPage();
  await page.start({ endpoint: token.url, type: 'application/octet-stream', ...file });
  const result = await page.finish();
  expect(result.type, await page.describe()).toBe('upload-success');
  return { page, result: result as Extract<typeof result, { type: 'upload-success' }> };
}

// Browser uploads of up to 30 MiB on a shared 2-core machine: generous deadlines.
describe('Uppy through the broker to Swift', { timeout: 120_000 }, () => {
  it('uploads a 1 MiB file with a POST-policy form by default', async () => {
    const file = { name: 'uppy-post-1mib.bin', size: 1 * MiB, seed: 101 };
    const { result } = await uploadWithUppy(file);

    const record = await env.completeRecord(file.name);
    expect(record).toMatchObject({ storage_id: 's3', file_size: file.size, integrity: 'policy-size' });
    expect(result.body).toMatchObject({ key: record.object_key });
    // One form, accepted by the gateway's policy check; no multipart on the way.
    expect(env.gateway.posts.filter((post) => post.key === record.object_key)).toEqual([expect.objectContaining({ status: expect.any(Number), reason: undefined })]);
    expect(env.gateway.partPutsReceived(record.object_key)).toEqual([]);
    expect(await env.storedSha256(record.object_key)).toBe(expectedSha256(file.seed, file.size));
  });

  it('uploads a 23 MiB file with default options (still one POST-policy form)', async () => {
    const file = { name: 'uppy-post-23mib.bin', size: 23 * MiB, seed: 202 };
    await uploadWithUppy(file);

    const record = await env.completeRecord(file.name);
    expect(record).toMatchObject({ storage_id: 's3', file_size: file.size, integrity: 'policy-size' });
    expect(env.gateway.posts.filter((post) => post.key === record.object_key && post.reason === undefined)).toHaveLength(1);
    expect(env.gateway.partPutsReceived(record.object_key)).toEqual([]);
    expect(await env.storedSha256(record.object_key)).toBe(expectedSha256(file.seed, file.size));
  });

  it('uploads a 30 MiB file as a multipart upload with shouldUseMultipart: true', async () => {
    const file = { name: 'uppy-multipart-30mib.bin', size: 30 * MiB, seed: 303, shouldUseMultipart: true };
    const { result } = await uploadWithUppy(file);

    const record = await env.completeRecord(file.name);
    expect(record).toMatchObject({ storage_id: 's3', file_size: file.size, integrity: 'listed-etags' });
    expect(result.body).toMatchObject({ key: record.object_key });
    // Uppy's part size for 30 MiB is its 5 MiB minimum: six parts, each PUT straight to the store once.
    expect(env.gateway.partPutsStored(record.object_key)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(env.gateway.posts.filter((post) => post.key === record.object_key)).toEqual([]);
    expect(await env.storedSha256(record.object_key)).toBe(expectedSha256(file.seed, file.size));
  });
});
