// The domain's UploadEvents port for webhooks: each event gets its id and its body here, once,
// and is appended to the queue, from which every endpoint's delivery sends those same bytes.
// The append follows the state change (a Lua script over the upload's keys cannot also write
// the queue's stream: in Redis Cluster they live in other slots). When it fails (Redis
// unreachable), the body is kept in this process's memory, logged and counted, and appended
// again every second until the queue takes it; it is lost only if the process dies meanwhile.
import type { Logger } from 'pino';
import type { UploadEvents } from '../domain/events.js';
import { newEventId, toEventBody } from './event-body.js';
import type { WebhookQueue } from './queue-port.js';
import type { WebhookMetrics } from './settings.js';

export interface WebhookOutbox extends UploadEvents {
  /** Bodies kept aside because the queue failed, oldest first. */
  backlog(): readonly string[];
  /** Tries the backlog once more and stops retrying it. */
  close(): Promise<void>;
}

/** At most this many bodies wait in memory; past it the oldest are dropped (logged). */
const MAX_BACKLOG = 10_000;
const RETRY_EVERY_MS = 1_000;

export function createWebhookOutbox(options: { queue: WebhookQueue; logger: Logger; metrics?: WebhookMetrics }): WebhookOutbox {
  const { queue, logger, metrics } = options;
  const waiting: string[] = [];
  let timer: NodeJS.Timeout | undefined;

  let flushing: Promise<void> | undefined;
  // One flush at a time: two would append the same body twice.
  function flush(): Promise<void> {
    flushing ??= (async () => {
      let queued = 0;
      while (waiting.length > 0) {
        try {
          await queue.append(waiting[0] as string);
        } catch {
          return;
        }
        waiting.shift();
        queued += 1;
      }
      if (timer) clearInterval(timer);
      timer = undefined;
      if (queued > 0) logger.info({ events: queued }, 'webhook events kept in memory are queued now');
    })().finally(() => (flushing = undefined));
    return flushing;
  }

  function keep(body: string): void {
    waiting.push(body);
    if (waiting.length > MAX_BACKLOG) {
      const lost = waiting.shift();
      logger.error({ event: lost?.slice(0, 200) }, 'webhook event dropped: too many events wait for the queue');
    }
    timer ??= setInterval(() => void flush(), RETRY_EVERY_MS);
    timer.unref();
  }

  return {
    async publish(event) {
      const id = newEventId();
      const body = JSON.stringify(toEventBody(event, id));
      metrics?.published.inc({ type: event.type });
      // Order per process: while some wait in memory, a new one waits behind them.
      if (waiting.length === 0) {
        try {
          await queue.append(body);
          return;
        } catch (err) {
          logger.error({ err, event: id, type: event.type, upload: event.upload.id }, 'webhook event could not be queued; kept in memory and retried');
        }
      }
      metrics?.publishFailed.inc();
      keep(body);
    },
    backlog: () => waiting,
    async close() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await flush();
      if (waiting.length > 0) logger.error({ events: waiting.length }, 'webhook events lost: the queue was unreachable until shutdown');
    },
  };
}
