// Webhooks survive a broker killed mid-delivery: the production entry (src/main.ts, a child
// process with its config file and the run's Redis) publishes an event and starts POSTing it;
// the receiver holds that request open; the broker gets SIGKILL. A broker started again on the
// same Redis takes the unacknowledged event over once the visibility timeout has passed and
// delivers it: the same event id, signed, this time answered 200.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, waitUntil } from '../../scripts/servers/ports.js';
import type { UploadEventBody } from '../../schemas/events/upload-event.js';
import { verifySignature } from '../../src/webhooks/signature.js';
import { freshStores } from '../support/broker.js';
import { launch, type Launched } from '../support/processes.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';

const SECRET = 'whsec-restart-0123456789abcdef012345';
const API_KEY = 'webhook-restart-key-0001';

describe('a broker killed while delivering a webhook', () => {
  let dir: string;
  let receiver: Receiver;
  const launched: Launched[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'signpost-webhooks-'));
  });
  afterEach(() => {
    for (const broker of launched.splice(0)) broker.killGroup();
  });
  afterAll(async () => {
    await receiver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function startBroker(config: string, port: number): Promise<Launched> {
    // A database of its own on the run's Redis: this broker's keys use the default prefix.
    const broker = launch(process.execPath, ['--import', 'tsx', 'src/main.ts'], { SIGNPOST_CONFIG: config, PORT: String(port), REDIS_URL: `${inject('redis').url}/7`, LOG_LEVEL: 'info' });
    launched.push(broker);
    await broker.waitForOutput(/signpost listening/);
    return broker;
  }

  it('is delivered by the broker started after it, with the same event id', async () => {
    // Every request is held open until the first broker is dead (its own retries after a
    // timeout too), so only the broker started after it can see a 200.
    let restarted = false;
    receiver = await startReceiver(() => (restarted ? 200 : 'hold'));
    const stores = await freshStores();
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify({
      storages: [{ id: 'azure', type: 'azure', default: true, container: stores.azure.container, account: stores.azure.account, account_key: stores.azure.accountKey, endpoint: stores.azure.endpoint }],
      auth: { api_keys: { [API_KEY]: { user: 'alice', tenant: 'acme' } } },
      webhooks: { endpoints: [{ url: receiver.url, secret: SECRET }], timeout_seconds: 1, visibility_timeout_seconds: 2, backoff_initial_seconds: 0.05 },
    }));
    const port = await freePort();
    const first = await startBroker(config, port);

    const bytes = randomBytes(500);
    const created = await fetch(`http://127.0.0.1:${port}/api/engine/v2/uploads/`, {
      method: 'POST',
      headers: { 'X-API-Key': API_KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ file_name: 'clip.bin', file_size: bytes.length, file_id: createHash('md5').update(bytes).digest('base64') }),
    });
    expect(created.status, await created.clone().text()).toBe(200);
    const uploadId = ((await created.json()) as { upload_id: string }).upload_id;

    const held = await waitUntil(async () => receiver.received[0], { what: 'the first delivery to arrive', timeoutMs: 20_000 });
    expect(held.answer).toBe('held');
    first.killGroup();
    expect(await first.exited).toBe('SIGKILL');
    restarted = true;

    const second = await startBroker(config, port);
    const delivered = await waitUntil(async () => receiver.delivered()[0], { what: 'the event delivered by the restarted broker', timeoutMs: 30_000 });
    expect(delivered).toBe(held.body);
    expect(receiver.received.filter((r) => r.answer === 'held').every((r) => r.body === held.body)).toBe(true);
    const event = JSON.parse(delivered) as UploadEventBody;
    expect(event).toMatchObject({ type: 'upload.created', upload: { id: uploadId, owner: 'alice' } });
    const last = receiver.received.at(-1);
    expect(last?.headers['signpost-event-id']).toBe(event.id);
    expect(verifySignature(SECRET, last?.headers['signpost-signature'] as string, delivered, Date.now() / 1000)).toBe(true);
    receiver.releaseHeld(200);
    // A SIGTERM stops the delivering broker cleanly: its worker and queue connections close.
    process.kill(second.pid, 'SIGTERM');
    expect(await second.exited).toBe(0);
    // Two broker starts from source (tsx) on a busy machine.
  }, 120_000);
});
