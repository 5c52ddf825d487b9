// Webhooks through a Redis outage: a loopback proxy in front of the run's Redis is cut (every
// connection dropped, new ones refused) and restored on the same port. An upload created
// meanwhile (records in memory) still answers 200; its event, refused by the queue, waits in
// the broker's memory, is queued once Redis answers again and delivered — as is an event that
// was queued before the cut.
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { freePort, waitUntil } from '../../scripts/servers/ports.js';
import type { UploadEventBody } from '../../schemas/events/upload-event.js';
import { systemClock } from '../../src/domain/clock.js';
import { connectRedis } from '../../src/state/redis.js';
import { createRedisWebhookQueue } from '../../src/state/webhook-queue-redis.js';
import { createWebhookService } from '../../src/webhooks/service.js';
import { createWebhookMetrics, DEFAULT_WEBHOOK_SETTINGS } from '../../src/webhooks/settings.js';
import { buildBroker, freshStores, storageConfigs } from '../support/broker.js';
import { testBytes } from '../support/protocol-driver.js';
import { startReceiver } from '../support/webhook-receiver.js';

/** A TCP pass-through to Redis that can be cut and restored on the same port. */
async function redisProxy(target: number): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = () => new Promise<void>((resolve, reject) => {
    server = createServer((client) => {
      const upstream = connect({ host: '127.0.0.1', port: target });
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const cut = () => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    if (server) server.close(() => resolve());
    else resolve();
    server = undefined;
  });
  await listen();
  return { port, cut, restore: listen, close: cut };
}

describe('webhooks through a Redis outage', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('keeps an event published while Redis is down and delivers it, with the one queued before, once Redis is back', async () => {
    const stores = await freshStores();
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    const proxy = await redisProxy(Number(new URL(inject('redis').url).port));
    cleanups.push(() => proxy.close());
    const connect = () => connectRedis(`redis://127.0.0.1:${proxy.port}`);
    const registry = new Registry();
    const service = createWebhookService({
      settings: { ...DEFAULT_WEBHOOK_SETTINGS, endpoints: [{ url: receiver.url, secret: 'whsec-outage-0123456789abcdef01234567' }], backoffInitialMs: 20, backoffMaxMs: 100, visibilityMs: 10_000 },
      queue: createRedisWebhookQueue({ redis: connect(), connect, keyPrefix: `out${randomBytes(4).toString('hex')}` }),
      clock: systemClock,
      logger: pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' }),
      consumer: 'outage-test',
      metrics: createWebhookMetrics(registry),
    });
    await service.start();
    cleanups.push(() => service.stop());
    const alice = buildBroker({ storages: storageConfigs(stores), events: service.events }).as('alice');

    const before = (await alice.create(testBytes(300), { storage_id: 'azure' })).upload_id;
    await waitUntil(async () => receiver.delivered().length === 1, { what: 'the first event delivered', timeoutMs: 20_000 });

    await proxy.cut();
    const during = (await alice.create(testBytes(301), { storage_id: 'azure' })).upload_id;
    expect(await registry.metrics()).toMatch(/signpost_webhook_publish_failures_total 1/);
    await proxy.restore();

    const delivered = await waitUntil(async () => receiver.delivered().length >= 2 && receiver.delivered(), { what: 'the event kept in memory delivered', timeoutMs: 30_000 });
    expect(delivered.map((body) => (JSON.parse(body) as UploadEventBody).upload.id)).toEqual([before, during]);
  });
});
