// The embedded default (`npm start` without a config) does what the README and the demo page
// show on the store it picks by default — a resume sends only the missing parts, cancel
// discards the upload, a finished upload downloads — and the store that cannot (s3rver: no
// ListParts, no AbortMultipartUpload) is labelled so in the banner and in the demo page.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/servers/ports.js';
import { launch, type Launched } from '../support/processes.js';

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('base64');
const MiB = 1024 * 1024;

interface Signature {
  verb: string;
  url: string;
  headers: Record<string, string>;
}

describe('the embedded default', () => {
  let broker: Launched;
  let base: string;
  let api: string;
  let key: string;

  beforeAll(async () => {
    const port = await freePort();
    broker = launch(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { PORT: String(port), SIGNPOST_CONFIG: '', REDIS_URL: '' });
    key = (await broker.waitForOutput(/dev API key (\S+)/))[1] ?? '';
    base = `http://127.0.0.1:${port}`;
    api = `${base}/api/engine/v2/uploads`;
  }, 90_000);

  afterAll(async () => {
    process.kill(broker.pid, 'SIGTERM');
    await broker.exited;
    broker.killGroup();
  });

  const call = async (method: string, path: string, body?: object) => {
    const res = await fetch(`${api}${path}`, { method, headers: { 'X-API-Key': key, 'Content-Type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as Record<string, unknown> & { signature: Signature } };
  };
  const send = (signature: Signature, bytes?: Uint8Array) => fetch(signature.url, { method: signature.verb, headers: signature.headers, ...(bytes ? { body: bytes as BodyInit } : {}) });

  it('is Azurite, and the banner says what s3rver cannot do', async () => {
    const residence = await call('GET', '/new?file_name=a.bin&file_size=12');
    expect(residence.body).toMatchObject({ residence: 'AzureStorage', storage_id: 'local-azure' });
    expect(broker.output()).toMatch(/AzureStorage → Azurite .*\(default: upload, resume, cancel, download\)/);
    expect(broker.output()).toMatch(/AmazonS3 → s3rver [^\n]*"storage_id":"local-s3"; demo only:\n\s+no ListParts, so a resume re-sends every part; no AbortMultipartUpload, so cancel fails\n\s+with 502/);
  });

  it('the demo page labels the s3rver storage with its limits, and only that one', async () => {
    const html = await (await fetch(`${base}/`)).text();
    const island = /<script type="application\/json" id="demo-config">(.*?)<\/script>/s.exec(html)?.[1] ?? '{}';
    const config = JSON.parse(island) as { storages: Array<{ id: string; limits?: string }> };
    expect(config.storages).toEqual([
      { id: 'local-azure', residence: 'AzureStorage' },
      { id: 'local-s3', residence: 'AmazonS3', limits: 's3rver demo store: a resume re-sends every part, cancel fails' },
    ]);
  });

  it('on the default store a resume sends only the missing parts, and cancel discards the upload', async () => {
    const bytes = randomBytes(11 * MiB);
    const file = { file_name: 'resume.bin', file_size: bytes.length, file_id: md5(bytes) };
    const created = await call('POST', '/', file);
    expect(created.body).toMatchObject({ type: 'chunked_upload' });
    const id = String(created.body['upload_id']);
    const partSize = Number(created.body['part_size']);
    const part1 = bytes.subarray(0, partSize);
    const signed = await call('PATCH', `/${id}?part=1&file_id=${encodeURIComponent(md5(part1))}`, {});
    expect(signed.status).toBe(200);
    expect((await send(signed.body.signature, part1)).status).toBeLessThan(300);
    // Interrupted; the same file again: only part 1 is held, so only the rest is to send.
    const resumed = await call('POST', '/', file);
    expect(resumed.body).toMatchObject({ type: 'parts', upload_id: id, part_list: [1] });
    const cancelled = await call('DELETE', `/${id}`);
    expect(cancelled.status).toBe(202);
    expect((await call('GET', `/${id}`)).body).toMatchObject({ state: 'aborted' });
  });

  it('on the default store a finished upload downloads', async () => {
    const bytes = Buffer.from('hello, default store');
    const created = await call('POST', '/', { file_name: 'hello.txt', file_size: bytes.length, file_id: md5(bytes) });
    expect((await send(created.body.signature, bytes)).status).toBeLessThan(300);
    const id = String(created.body['upload_id']);
    expect((await call('PUT', `/${id}`)).body).toMatchObject({ ok: true, upload: { state: 'complete' } });
    const link = await fetch(`${api}/${id}/url`, { headers: { 'X-API-Key': key, Accept: 'application/json' } });
    const { url } = (await link.json()) as { url: string };
    expect(Buffer.from(await (await fetch(url)).arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('the label is true: on local-s3 a resume lists no parts and cancel answers 502', async () => {
    const bytes = randomBytes(11 * MiB);
    const file = { file_name: 'limits.bin', file_size: bytes.length, file_id: md5(bytes), storage_id: 'local-s3' };
    const created = await call('POST', '/', file);
    const initiated = await send(created.body.signature);
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(await initiated.text())?.[1];
    const id = String(created.body['upload_id']);
    const part1 = bytes.subarray(0, Number(created.body['part_size']));
    const signed = await call('PATCH', `/${id}?part=1&file_id=${encodeURIComponent(md5(part1))}`, { resumable_id: uploadId });
    expect((await send(signed.body.signature, part1)).status).toBeLessThan(300);
    expect((await call('POST', '/', file)).body).toMatchObject({ type: 'parts', upload_id: id, part_list: [] });
    expect((await call('DELETE', `/${id}`)).status).toBe(502);
  });
});
