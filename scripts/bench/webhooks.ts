// Webhooks on a loopback Redis and receiver: what publishing an event costs a request (the
// outbox's XADD, sequential) and how fast one process delivers (default concurrency 4).
//   npx tsx scripts/bench/webhooks.ts [events, default 2000]
import pino from 'pino';
import { waitUntil } from '../servers/ports.js';
import { startRedis } from '../servers/redis.js';
import { systemClock } from '../../src/domain/clock.js';
import { connectRedis } from '../../src/state/redis.js';
import { createRedisWebhookQueue } from '../../src/state/webhook-queue-redis.js';
import { createWebhookService } from '../../src/webhooks/service.js';
import { DEFAULT_WEBHOOK_SETTINGS } from '../../src/webhooks/settings.js';
import { subscriberName } from '../../src/webhooks/worker.js';
import { startReceiver } from '../../test/support/webhook-receiver.js';

const N = Number(process.argv[2] ?? 2000);
const redis = await startRedis();
try {
  const url = redis.url;
  const receiver = await startReceiver(() => 200);
  const connect = () => connectRedis(url);
  const endpoint = { url: receiver.url, secret: 'x'.repeat(32) };
  const service = createWebhookService({ settings: { ...DEFAULT_WEBHOOK_SETTINGS, endpoints: [endpoint] }, queue: createRedisWebhookQueue({ redis: connect(), connect, keyPrefix: 'bench' }), clock: systemClock, logger: pino({ level: 'silent' }), consumer: 'bench' });
  // The subscription first, the worker after publishing: each phase measured alone.
  await service.queue.ensureSubscribers([subscriberName(endpoint)]);
  const upload = { id: 'uploads-x', owner: 'alice', tenant: 'acme', storageId: 's3', objectKey: 'acme/k.bin', fileName: 'k.bin', mime: 'application/octet-stream', permissions: 'none', public: false, tags: [], state: 'pending', kind: 'direct', integrity: 'store-md5', temporary: false, partSize: 0, partCount: 0, createdAt: Date.now(), updatedAt: Date.now(), expiresAt: Date.now(), uploadToken: 't' } as const;
  const probe = connect();
  let t = performance.now();
  for (let i = 0; i < 200; i += 1) await probe.ping();
  const pingUs = ((performance.now() - t) * 1000) / 200;
  probe.disconnect();
  t = performance.now();
  for (let i = 0; i < N; i += 1) await service.events.publish({ type: 'upload.created', occurredAt: Date.now(), upload: { ...upload, tags: [] } });
  const publishUs = ((performance.now() - t) * 1000) / N;
  t = performance.now();
  await service.start();
  await waitUntil(async () => receiver.delivered().length >= N, { what: 'all delivered', timeoutMs: 300_000, intervalMs: 5 });
  const seconds = (performance.now() - t) / 1000;
  console.log(`redis PING round trip: ${pingUs.toFixed(0)} µs (how loaded the machine is)`);
  console.log(`publish: ${N} events one after another, ${publishUs.toFixed(0)} µs each (id, body, XADD)`);
  console.log(`delivery: ${N} queued events, one process, concurrency ${DEFAULT_WEBHOOK_SETTINGS.concurrency}: ${(N / seconds).toFixed(0)} events/s`);
  console.log(`received: ${receiver.received.length}, distinct ids: ${new Set(receiver.received.map((r) => (JSON.parse(r.body) as { id: string }).id)).size}`);
  await service.stop();
  await receiver.close();
} finally {
  await redis.stop();
}
