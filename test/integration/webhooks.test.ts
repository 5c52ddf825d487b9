// Webhooks end to end in one process: real uploads (Azurite, Swift) through the broker, events
// queued in the run's Redis, delivered to a loopback receiver. Each event type arrives signed
// over its raw body and valid against schemas/events; a receiver that fails (500, connection
// reset) gets the same event again until it answers 2xx; two workers on one Redis deliver each
// event once; attempts run out into the dead letters; a redirect is never followed.
import { randomBytes } from 'node:crypto';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitUntil } from '../../scripts/servers/ports.js';
import { uploadEventBody, type UploadEventBody } from '../../schemas/events/upload-event.js';
import { systemClock } from '../../src/domain/clock.js';
import { connectRedis } from '../../src/state/redis.js';
import { createRedisWebhookQueue } from '../../src/state/webhook-queue-redis.js';
import { createWebhookService, type WebhookService } from '../../src/webhooks/service.js';
import { createWebhookMetrics, DEFAULT_WEBHOOK_SETTINGS, type WebhookEndpoint, type WebhookSettings } from '../../src/webhooks/settings.js';
import { verifySignature } from '../../src/webhooks/signature.js';
import { buildBroker, freshStores, redisRepository, storageConfigs, type TestStores } from '../support/broker.js';
import { testBytes } from '../support/protocol-driver.js';
import { startReceiver, type Answer, type Receiver } from '../support/webhook-receiver.js';

const SECRET = 'whsec-test-0123456789abcdef0123456789';
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv;
const validateBody = addFormats(new Ajv({ strict: true, allErrors: true })).compile(uploadEventBody);

class TestClock {
  constructor(private ms = Date.now()) {}
  now = () => this.ms;
  advance(ms: number) {
    this.ms += ms;
  }
}

interface Harness {
  service: WebhookService;
  registry: Registry;
}

const running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.stop();
});

async function receiver(answer?: Answer): Promise<Receiver> {
  const started = await startReceiver(answer);
  running.push({ stop: () => started.close() });
  return started;
}

/** A webhook service on the run's Redis under `prefix`, started, with quick retries. */
async function webhooks(endpoints: WebhookEndpoint[], prefix: string, tuning: Partial<WebhookSettings> = {}): Promise<Harness> {
  const settings: WebhookSettings = { ...DEFAULT_WEBHOOK_SETTINGS, backoffInitialMs: 20, backoffMaxMs: 100, timeoutMs: 5_000, visibilityMs: 10_000, ...tuning, endpoints };
  const connect = () => connectRedis(inject('redis').url);
  const registry = new Registry();
  const service = createWebhookService({
    settings,
    queue: createRedisWebhookQueue({ redis: connect(), connect, keyPrefix: prefix }),
    clock: systemClock,
    logger: pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' }),
    consumer: `test-${randomBytes(4).toString('hex')}`,
    metrics: createWebhookMetrics(registry),
  });
  await service.start();
  running.push(service);
  return { service, registry };
}

const prefix = () => `wh${randomBytes(4).toString('hex')}`;
const parse = (raw: string) => JSON.parse(raw) as UploadEventBody;

async function deliveredCount(target: Receiver, count: number): Promise<string[]> {
  return waitUntil(async () => target.delivered().length >= count && target.delivered(), { what: `${count} deliveries`, timeoutMs: 20_000 });
}

async function metricValue(registry: Registry, line: RegExp): Promise<number> {
  const match = line.exec(await registry.metrics());
  return match ? Number(match[1]) : 0;
}

describe('webhooks', () => {
  let stores: TestStores;
  beforeAll(async () => {
    stores = await freshStores();
  });

  it('delivers created, completed, aborted and expired, each signed over its raw body and valid against its schema; a filtered endpoint gets only its type', async () => {
    const all = await receiver();
    const completedOnly = await receiver();
    const { service, registry } = await webhooks([{ url: all.url, secret: SECRET }, { url: completedOnly.url, secret: `${SECRET}-2`, events: ['upload.completed'] }], prefix());
    const clock = new TestClock();
    const repo = redisRepository(undefined, clock);
    running.push({ stop: () => repo.close() });
    const broker = buildBroker({ storages: storageConfigs(stores), repo, clock, events: service.events, limits: { uploadTtlMinutes: 60 } });
    const alice = broker.as('alice');

    const completed = await alice.uploadWhole(testBytes(1000), { storage_id: 'azure' });
    const aborted = (await alice.create(testBytes(2000), { storage_id: 's3' })).upload_id;
    expect((await alice.delete(`/${aborted}`)).status).toBe(202);
    const expired = (await alice.create(testBytes(3000), { storage_id: 'azure' })).upload_id;
    clock.advance(61 * 60_000);
    expect((await broker.sweep('only')).expired).toBe(1);

    const bodies = await deliveredCount(all, 6);
    const events = bodies.map(parse);
    expect(events.map((e) => [e.upload.id, e.type])).toEqual([
      [completed, 'upload.created'], [completed, 'upload.completed'],
      [aborted, 'upload.created'], [aborted, 'upload.aborted'],
      [expired, 'upload.created'], [expired, 'upload.expired'],
    ]);
    for (const [index, request] of all.received.entries()) {
      expect(validateBody(JSON.parse(request.body)), JSON.stringify(validateBody.errors)).toBe(true);
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['signpost-event-id']).toBe(events[index]?.id);
      expect(verifySignature(SECRET, request.headers['signpost-signature'] as string, request.body, Date.now() / 1000)).toBe(true);
      expect(verifySignature(`${SECRET}-2`, request.headers['signpost-signature'] as string, request.body, Date.now() / 1000)).toBe(false);
    }
    expect(new Set(events.map((e) => e.id)).size).toBe(6);
    expect(events[1]?.upload).toMatchObject({ state: 'complete', size: 1000, storage_id: 'azure', tenant: 'acme', owner: 'alice', file_name: 'file.bin' });
    expect(events[3]?.upload.state).toBe('aborted');
    expect(events[5]?.upload.state).toBe('expired');
    // No secrets: neither the upload token nor any signed URL.
    const record = await repo.get(completed);
    expect(bodies.join('')).not.toContain(record?.uploadToken);
    expect(bodies.join('')).not.toMatch(/sig=|X-Amz-Signature|https?:\/\//);

    const [onlyCompleted] = await deliveredCount(completedOnly, 1);
    expect(parse(onlyCompleted ?? '{}')).toMatchObject({ type: 'upload.completed', upload: { id: completed } });
    expect(verifySignature(`${SECRET}-2`, completedOnly.received[0]?.headers['signpost-signature'] as string, onlyCompleted ?? '', Date.now() / 1000)).toBe(true);
    // The worker counts after its acknowledgement, a moment after the receiver answered.
    await waitUntil(async () => (await metricValue(registry, /signpost_webhook_delivered_total\{endpoint="0"\} (\d+)/)) === 6, { what: '6 deliveries counted', timeoutMs: 10_000 });
    expect(await metricValue(registry, /signpost_webhook_events_published_total\{type="upload.created"\} (\d+)/)).toBe(3);
  });

  it('sends the same event again after a 500 and a connection reset, until the receiver answers 2xx', async () => {
    const flaky = await receiver((n) => (n === 1 ? 500 : n === 2 ? 'reset' : 200));
    const { service, registry } = await webhooks([{ url: flaky.url, secret: SECRET }], prefix());
    const broker = buildBroker({ storages: storageConfigs(stores), events: service.events });
    const id = (await broker.as('bob').create(testBytes(100), { storage_id: 'azure' })).upload_id;

    const [delivered] = await deliveredCount(flaky, 1);
    expect(flaky.received.map((r) => r.answer)).toEqual([500, 'reset', 200]);
    // The very same bytes every time: one event id, signed afresh per attempt.
    expect(new Set(flaky.received.map((r) => r.body)).size).toBe(1);
    expect(flaky.received.map((r) => r.headers['signpost-delivery-attempt'])).toEqual(['1', '2', '3']);
    expect(parse(delivered ?? '{}')).toMatchObject({ type: 'upload.created', upload: { id } });
    expect(await metricValue(registry, /signpost_webhook_failed_attempts_total\{endpoint="0",reason="status"\} (\d+)/)).toBe(1);
    expect(await metricValue(registry, /signpost_webhook_failed_attempts_total\{endpoint="0",reason="network"\} (\d+)/)).toBe(1);
    expect(await metricValue(registry, /signpost_webhook_retries_total\{endpoint="0"\} (\d+)/)).toBe(2);
    await waitUntil(async () => (await metricValue(registry, /signpost_webhook_delivered_total\{endpoint="0"\} (\d+)/)) === 1, { what: 'the delivery counted', timeoutMs: 10_000 });
  });

  it('gives up on an attempt the receiver leaves unanswered past the timeout, and tries again', async () => {
    const slow = await receiver((n) => (n === 1 ? 'hold' : 200));
    const { service, registry } = await webhooks([{ url: slow.url, secret: SECRET }], prefix(), { timeoutMs: 300 });
    const broker = buildBroker({ storages: storageConfigs(stores), events: service.events });
    await broker.as('bob').create(testBytes(100), { storage_id: 'azure' });

    const [delivered] = await deliveredCount(slow, 1);
    expect(slow.received.map((r) => r.answer)).toEqual(['held', 200]);
    expect(slow.received[0]?.body).toBe(delivered);
    expect(await metricValue(registry, /signpost_webhook_failed_attempts_total\{endpoint="0",reason="timeout"\} (\d+)/)).toBe(1);
    slow.releaseHeld(200);
  });

  it('gives up after the last attempt into the dead letters, and never follows a redirect', async () => {
    const moved = await receiver(() => 302);
    const { service, registry } = await webhooks([{ url: moved.url, secret: SECRET }], prefix(), { maxAttempts: 3 });
    const broker = buildBroker({ storages: storageConfigs(stores), events: service.events });
    await broker.as('bob').create(testBytes(100), { storage_id: 'azure' });

    const [dead] = await waitUntil(async () => {
      const letters = await service.queue.deadLetters(10);
      return letters.length > 0 && letters;
    }, { what: 'a dead letter', timeoutMs: 20_000 });
    expect(dead?.reason).toMatch(/^3 attempts .*answered 302 \(redirects are not followed\)$/);
    expect(parse(dead?.body ?? '{}').type).toBe('upload.created');
    expect(moved.received).toHaveLength(3);
    await waitUntil(async () => (await metricValue(registry, /signpost_webhook_dead_total\{endpoint="0"\} (\d+)/)) === 1, { what: 'the dead letter counted', timeoutMs: 10_000 });
    expect(await metricValue(registry, /signpost_webhook_failed_attempts_total\{endpoint="0",reason="redirect"\} (\d+)/)).toBe(3);
  });

  it('an event the receiver keeps refusing waits for its retry without holding up the events behind it', async () => {
    let poisoned = 'none';
    const picky = await receiver((_n, body) => (body.includes(poisoned) ? 500 : 200));
    // One POST at a time, and a long wait between the refused event's attempts.
    const { service } = await webhooks([{ url: picky.url, secret: SECRET }], prefix(), { concurrency: 1, backoffInitialMs: 60_000, backoffMaxMs: 60_000 });
    const broker = buildBroker({ storages: storageConfigs(stores), events: service.events });
    const bob = broker.as('bob');
    poisoned = (await bob.create(testBytes(90), { storage_id: 'azure' })).upload_id;
    const others = [];
    for (let n = 0; n < 3; n += 1) others.push((await bob.create(testBytes(91 + n), { storage_id: 'azure' })).upload_id);

    const delivered = await deliveredCount(picky, 3);
    expect(delivered.map((body) => parse(body).upload.id)).toEqual(others);
    expect(picky.received.filter((r) => r.body.includes(poisoned)).map((r) => r.answer)).toEqual([500]);
  });

  it('two workers sharing one Redis deliver each event once', async () => {
    const target = await receiver();
    const shared = prefix();
    const one = await webhooks([{ url: target.url, secret: SECRET }], shared);
    const two = await webhooks([{ url: target.url, secret: SECRET }], shared);
    const clock = systemClock;
    const brokers = [buildBroker({ storages: storageConfigs(stores), clock, events: one.service.events }), buildBroker({ storages: storageConfigs(stores), clock, events: two.service.events })];
    for (let n = 0; n < 10; n += 1) await brokers[n % 2]?.as('alice').create(testBytes(100 + n), { storage_id: 'azure' });

    await deliveredCount(target, 10);
    // Both stopped: nothing more can arrive, so what arrived is all there will be.
    await one.service.stop();
    await two.service.stop();
    const ids = target.received.map((r) => parse(r.body).id);
    expect(ids).toHaveLength(10);
    expect(new Set(ids).size).toBe(10);
    const byWorker = (await metricValue(one.registry, /signpost_webhook_delivered_total\{endpoint="0"\} (\d+)/)) + (await metricValue(two.registry, /signpost_webhook_delivered_total\{endpoint="0"\} (\d+)/));
    expect(byWorker).toBe(10);
  });
});
