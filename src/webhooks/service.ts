// Webhooks as the broker runs them: the outbox the domain publishes to, and the worker that
// delivers, over one queue (Redis or memory, chosen by compose.ts).
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import type { UploadEvents } from '../domain/events.js';
import { createWebhookOutbox } from './outbox.js';
import type { WebhookQueue } from './queue-port.js';
import type { WebhookMetrics, WebhookSettings } from './settings.js';
import { startWebhookWorker, subscriberName, type WebhookWorker } from './worker.js';

export interface WebhookService {
  events: UploadEvents;
  queue: WebhookQueue;
  /** Makes the endpoints' subscriptions (before the broker serves: an event published earlier would be missed) and starts delivering. */
  start(): Promise<void>;
  /** Stops delivering (events in flight stay queued), queues what waits in memory, closes the queue. */
  stop(): Promise<void>;
}

export function createWebhookService(options: { settings: WebhookSettings; queue: WebhookQueue; clock: Clock; logger: Logger; consumer: string; metrics?: WebhookMetrics }): WebhookService {
  const { settings, queue, logger } = options;
  const outbox = createWebhookOutbox({ queue, logger, ...(options.metrics === undefined ? {} : { metrics: options.metrics }) });
  let worker: WebhookWorker | undefined;
  return {
    events: outbox,
    queue,
    async start() {
      try {
        await queue.ensureSubscribers(settings.endpoints.map((endpoint) => subscriberName(endpoint)));
      } catch (err) {
        // Redis down at start: the worker makes them when it can; events queued before are not lost to those that exist.
        logger.warn({ err }, 'webhook subscriptions could not be made yet; retrying in the background');
      }
      worker ??= startWebhookWorker(options);
      logger.info({ endpoints: settings.endpoints.length }, 'webhook delivery started');
    },
    async stop() {
      await worker?.stop();
      await outbox.close();
      await queue.close();
    },
  };
}
