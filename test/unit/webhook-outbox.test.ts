// The outbox when the queue fails: publish still resolves (the change happened), the event is
// logged, counted and kept in memory in order, and queued once the queue answers again. And
// compose's wiring without Redis: a memory queue, the webhook counters on the app's /metrics.
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '../../scripts/servers/ports.js';
import { buildDependencies } from '../../src/compose.js';
import { parseConfig } from '../../src/config.js';
import { systemClock } from '../../src/domain/clock.js';
import type { UploadEvent } from '../../src/domain/events.js';
import type { UploadRecord } from '../../src/domain/upload.js';
import { createMemoryWebhookQueue } from '../../src/state/webhook-queue-memory.js';
import { createWebhookOutbox } from '../../src/webhooks/outbox.js';
import { createWebhookMetrics } from '../../src/webhooks/settings.js';

const upload: UploadRecord = {
  id: 'uploads-1', owner: 'alice', tenant: 'acme', storageId: 's3', objectKey: 'acme/abc.bin', fileName: 'a.bin', mime: 'application/octet-stream',
  permissions: 'none', public: false, tags: [], state: 'pending', kind: 'direct', integrity: 'store-md5', temporary: false,
  partSize: 0, partCount: 0, createdAt: 0, updatedAt: 0, expiresAt: 1, uploadToken: 'secret-token',
};
const event = (type: UploadEvent['type']): UploadEvent => ({ type, occurredAt: Date.now(), upload });

describe('the webhook outbox', () => {
  it('keeps events the queue refused, in order, and queues them when it answers again', async () => {
    const queue = createMemoryWebhookQueue({ clock: systemClock });
    await queue.ensureSubscribers(['s']);
    let down = true;
    const append = queue.append.bind(queue);
    queue.append = async (body) => {
      if (down) throw new Error('connection is closed');
      await append(body);
    };
    const registry = new Registry();
    const outbox = createWebhookOutbox({ queue, logger: pino({ level: 'silent' }), metrics: createWebhookMetrics(registry) });

    await outbox.publish(event('upload.created'));
    await outbox.publish(event('upload.completed'));
    expect(outbox.backlog()).toHaveLength(2);
    expect(await registry.metrics()).toMatch(/signpost_webhook_publish_failures_total 2/);

    down = false;
    // A new event waits behind the kept ones, so the receiver sees them in order.
    await outbox.publish(event('upload.aborted'));
    await waitUntil(async () => outbox.backlog().length === 0, { what: 'the backlog to be queued', timeoutMs: 10_000 });
    const taken = await queue.take({ subscriber: 's', consumer: 'c', count: 10, blockMs: 0, visibilityMs: 60_000 });
    expect(taken.map((e) => (JSON.parse(e.body) as { type: string }).type)).toEqual(['upload.created', 'upload.completed', 'upload.aborted']);
    expect(taken.map((e) => e.body).join('')).not.toContain('secret-token');
    await outbox.close();
  });
});

describe('compose without Redis', () => {
  it('queues webhooks in memory and shows their counters on the app metrics', async () => {
    const config = parseConfig({
      storages: [{ id: 'main', type: 's3', bucket: 'webhooks', endpoint: 'http://127.0.0.1:9', force_path_style: true, access_key_id: 'a', secret_access_key: 'b' }],
      auth: { api_keys: { 'a-key-of-sixteen-chars': { user: 'u', tenant: 't' } } },
      webhooks: { endpoints: [{ url: 'http://127.0.0.1:9/hooks', secret: 'whsec-0123456789abcdef0123456789abcdef' }] },
    }, { port: 0, host: '127.0.0.1', logLevel: 'silent' });
    const deps = buildDependencies(config, pino({ level: 'silent' }));
    expect(deps.webhooks).toBeDefined();
    await deps.webhooks?.start();
    await deps.events?.publish(event('upload.created'));
    const text = await deps.metrics?.registry.metrics();
    // The app's events port counts the upload, then hands the event to the webhooks' queue.
    expect(text).toMatch(/signpost_upload_events_total\{event="created"\} 1/);
    expect(text).toMatch(/signpost_webhook_events_published_total\{type="upload.created"\} 1/);
    expect(text).toContain('signpost_webhook_delivered_total');
    await deps.webhooks?.stop();
    await deps.repo.close();
  });
});
