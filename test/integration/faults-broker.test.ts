// Broker processes dying and stopping mid-upload, run as an operator runs them (src/main.ts
// with a config file and REDIS_URL, in a child process). SIGKILL: nothing is said, nothing is
// flushed — a second process on the same Redis resumes the upload from what the first recorded
// and finishes it. SIGTERM: requests already accepted get their normal answer, new connections
// are refused, the process exits 0 within the shutdown grace (and a request slower than the
// grace is cut at it); the upload then finishes on a new process. Every test compares the
// object's SHA-256, read back from the store, with the file's.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { acceptsConnections, waitUntil } from '../../scripts/servers/ports.js';
import type { S3StoreOptions } from '../../src/stores/options.js';
import { createBucket } from '../support/provision.js';
import { Client, MiB, md5b64, testBytes } from '../support/protocol-driver.js';
import { makeTempDir, refusesConnections, remote, removeDir, resumeAndFinish, startBrokerProcess, startOwnRedis, startStoreProxy, type BrokerProcess, type OwnRedis, type StoreProxy } from '../support/faults.js';

const API_KEY = 'faults-broker-key-alice-0001';
/** Long enough for the in-flight requests below on a busy machine; the slow one outlasts the short one. */
const GRACE_SECONDS = 8;
const SHORT_GRACE_SECONDS = 3;

describe('broker processes killed and stopped mid-upload', () => {
  let dir: string;
  let redis: OwnRedis;
  let bucket: S3StoreOptions;
  let proxy: StoreProxy;
  const brokers: BrokerProcess[] = [];

  beforeAll(async () => {
    dir = await makeTempDir('faults-broker');
    redis = await startOwnRedis({ appendfsync: 'everysec' });
    bucket = await createBucket(inject('swift'));
    proxy = await startStoreProxy(Number(new URL(inject('swift').endpoint).port));
  });
  afterEach(() => {
    proxy.delay(0);
    for (const broker of brokers.splice(0)) broker.launched.killGroup();
  });
  afterAll(async () => {
    await proxy.close();
    await redis.stop();
    await removeDir(dir);
  });

  /** A broker process on the run's Swift (through the proxy, which passes bytes unchanged) and this file's Redis. */
  async function brokerProcess(port?: number, graceSeconds = GRACE_SECONDS): Promise<{ broker: BrokerProcess; alice: Client }> {
    const config = {
      storages: [{ id: 's3', type: 's3', default: true, bucket: bucket.bucket, region: bucket.region, endpoint: proxy.endpoint, force_path_style: true, access_key_id: bucket.accessKeyId, secret_access_key: bucket.secretAccessKey }],
      auth: { api_keys: { [API_KEY]: { user: 'alice', tenant: 'acme' } } },
      server: { shutdown_grace_seconds: graceSeconds },
    };
    const broker = await startBrokerProcess(dir, config, redis.url, port);
    brokers.push(broker);
    return { broker, alice: new Client(remote(broker.url), { 'X-API-Key': API_KEY }) };
  }

  it('SIGKILL mid-upload: a second process on the same Redis resumes from the recorded parts and finishes, bytes equal', async () => {
    const first = await brokerProcess();
    const bytes = testBytes(16 * MiB + 12);
    const upload = await first.alice.startChunked(bytes, { file_name: 'sigkill.bin' });
    expect(upload.parts.length).toBeGreaterThanOrEqual(4);
    await first.alice.uploadParts(upload.id, upload.parts, [1, 2], upload.firstBody);
    // Signing requests in flight as it dies: whatever becomes of them, nothing recorded is lost.
    const inFlight = [3, 4].map((n) => first.alice.patch(`/${upload.id}?part=${n}&file_id=${encodeURIComponent(md5b64(upload.parts[n - 1] as Buffer))}`).then((r) => r.status, (e: Error) => e.message));
    process.kill(first.broker.launched.pid, 'SIGKILL');
    expect(await first.broker.launched.exited).toBe('SIGKILL');
    await Promise.all(inFlight);
    expect(await acceptsConnections(first.broker.port)).toBe(false);

    const second = await brokerProcess();
    // Parts 3 and 4 may have been signed before the kill, but their bytes never reached the store.
    await resumeAndFinish(second.alice, bytes, 'sigkill.bin', upload.id, upload.parts, [1, 2]);
  }, 240_000);

  it('SIGTERM with requests in flight: they get their normal answers, new connections are refused, exit 0 before the grace; a new process finishes, bytes equal', async () => {
    const first = await brokerProcess();
    const bytes = testBytes(11 * MiB + 3);
    const upload = await first.alice.startChunked(bytes, { file_name: 'sigterm.bin' });
    const last = upload.parts.length;
    const sent = upload.parts.map((_, i) => i + 1).filter((n) => n < last);
    await first.alice.uploadParts(upload.id, upload.parts, sent, upload.firstBody);

    // A resume asks the store which parts it holds: held up on its way there, it is in flight.
    // Four at once, each on its own connection; all four have reached the store before the signal.
    proxy.delay(1_500);
    const resuming = Array.from({ length: 4 }, () => first.alice.post('/', { file_name: 'sigterm.bin', file_size: bytes.length, file_id: md5b64(bytes) }).then((res) => res));
    await waitUntil(async () => proxy.held() >= 4, { what: 'four resumes to be talking to the store', timeoutMs: 30_000, intervalMs: 10 });
    const termAt = Date.now();
    process.kill(first.broker.launched.pid, 'SIGTERM');

    await refusesConnections(first.broker.port);
    for (const resumed of await Promise.all(resuming)) {
      expect(resumed.status, JSON.stringify(resumed.body)).toBe(200);
      expect(resumed.body).toMatchObject({ type: 'parts', upload_id: upload.id, part_list: sent });
    }
    expect(await first.broker.launched.exited).toBe(0);
    expect(Date.now() - termAt).toBeLessThan(GRACE_SECONDS * 1000);
    expect(first.broker.launched.output()).toMatch(/SIGTERM: shutting down/);

    proxy.delay(0);
    const second = await brokerProcess(first.broker.port);
    await resumeAndFinish(second.alice, bytes, 'sigterm.bin', upload.id, upload.parts, sent);
  }, 240_000);

  it('SIGTERM with a request slower than the grace: it is cut at the grace and the process exits 0; the upload is untouched and finishes on a new process', async () => {
    const first = await brokerProcess(undefined, SHORT_GRACE_SECONDS);
    const bytes = testBytes(11 * MiB);
    const upload = await first.alice.startChunked(bytes, { file_name: 'slow-sigterm.bin' });
    await first.alice.uploadParts(upload.id, upload.parts, [1], upload.firstBody);

    proxy.delay(120_000);
    const stuck = first.alice.post('/', { file_name: 'slow-sigterm.bin', file_size: bytes.length, file_id: md5b64(bytes) }).then((res) => res.status, () => 'connection closed');
    await waitUntil(async () => proxy.held() > 0, { what: 'the resume to be talking to the store', timeoutMs: 30_000, intervalMs: 10 });
    const termAt = Date.now();
    process.kill(first.broker.launched.pid, 'SIGTERM');
    expect(await first.broker.launched.exited).toBe(0);
    const took = Date.now() - termAt;
    expect(took).toBeGreaterThanOrEqual(SHORT_GRACE_SECONDS * 1000 - 100);
    // The grace, then closing Redis and exiting: seconds, not the two minutes the store would take.
    expect(took).toBeLessThan(SHORT_GRACE_SECONDS * 1000 + 15_000);
    expect(await stuck).toBe('connection closed');

    proxy.delay(0);
    const second = await brokerProcess();
    await resumeAndFinish(second.alice, bytes, 'slow-sigterm.bin', upload.id, upload.parts, [1]);
  }, 240_000);
});
