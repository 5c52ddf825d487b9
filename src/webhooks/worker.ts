// The delivery worker: one loop per endpoint takes queued events (new ones, or ones a dead
// process left unacknowledged past the visibility timeout), POSTs each, acknowledges a 2xx,
// and on failure tries again after an exponential backoff with jitter, until the
// attempts or the event's age run out (then: dead letters). While an event is in flight or
// waiting, a heartbeat holds it so no other process sends it. Delivery is at least once: a
// process killed after the receiver answered but before its XACK sends that event again.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { backoffDelay } from '../backoff.js';
import type { Clock } from '../domain/clock.js';
import { attemptDelivery } from './deliver.js';
import { eventFacts } from './event-body.js';
import type { TakenEntry, WebhookQueue } from './queue-port.js';
import type { WebhookEndpoint, WebhookMetrics, WebhookSettings } from './settings.js';

export interface WorkerOptions {
  queue: WebhookQueue;
  settings: WebhookSettings;
  /** Names this process's consumer: unique per process (a restarted one is a new consumer). */
  consumer: string;
  clock: Clock;
  logger: Logger;
  metrics?: WebhookMetrics;
  /** Jitter's randomness, injected for tests; default Math.random. */
  random?: () => number;
}

export interface WebhookWorker {
  /** Stops taking, ends waits and in-flight attempts (their events stay queued), within about a second. */
  stop(): Promise<void>;
}

/** The subscriber (consumer group) of this endpoint. */
export function subscriberName(endpoint: WebhookEndpoint): string {
  // The URL names the group (hashed: it may carry a token), so reordering the config keeps
  // each endpoint's backlog.
  return `endpoint:${createHash('sha256').update(endpoint.url).digest('hex').slice(0, 32)}`;
}

/** The wait before attempt `failures + 1`: the shared backoff (src/backoff.ts), from the initial wait up to the maximum. */
export function backoffMs(failures: number, settings: Pick<WebhookSettings, 'backoffInitialMs' | 'backoffMaxMs'>, random: () => number): number {
  return backoffDelay(failures, { baseMs: settings.backoffInitialMs, capMs: settings.backoffMaxMs, random });
}

const BLOCK_MS = 1_000;
/**
 * Events one process holds per endpoint, sending or waiting to retry. Waiting takes no sending
 * slot (`concurrency` bounds POSTs), so a few events a receiver keeps refusing do not stop the
 * others behind them; this bounds the memory and the heartbeat when the endpoint is down.
 */
const MAX_HELD = 1_000;

export function startWebhookWorker(options: WorkerOptions): WebhookWorker {
  const { queue, settings, consumer, clock, logger, metrics } = options;
  const random = options.random ?? Math.random;
  const stopping = new AbortController();
  const loops = settings.endpoints.map((endpoint, index) => runEndpoint(endpoint, String(index)));

  async function runEndpoint(endpoint: WebhookEndpoint, label: string): Promise<void> {
    const subscriber = subscriberName(endpoint);
    const held = new Set<string>();
    const deliveries = new Set<Promise<void>>();
    let sending = 0;
    // Wakes the loop when a slot frees (an attempt ended, a delivery finished) or on stop.
    let wake: (() => void) | undefined;
    const changed = () => new Promise<void>((resolve) => (wake = resolve));
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    stopping.signal.addEventListener('abort', notify);
    const slots = { begin: () => void (sending += 1), end: () => { sending -= 1; notify(); } };
    const heartbeat = setInterval(() => {
      queue.hold(subscriber, consumer, [...held]).catch((err: unknown) => logger.warn({ err, endpoint: label }, 'webhook heartbeat failed'));
    }, Math.max(10, Math.floor(settings.visibilityMs / 3)));
    heartbeat.unref();
    try {
      while (!stopping.signal.aborted) {
        if (sending >= settings.concurrency || held.size >= MAX_HELD) {
          await changed();
          continue;
        }
        let taken: TakenEntry[];
        try {
          taken = await queue.take({ subscriber, consumer, count: Math.min(settings.concurrency - sending, MAX_HELD - held.size), blockMs: Math.min(BLOCK_MS, settings.visibilityMs), visibilityMs: settings.visibilityMs });
        } catch (err) {
          if (stopping.signal.aborted) break;
          // Redis down, or its group gone (a flushed Redis): make it again and wait a little.
          logger.warn({ err, endpoint: label }, 'webhook queue unavailable; trying again');
          await queue.ensureSubscribers([subscriber]).catch(() => undefined);
          await pause(1_000);
          continue;
        }
        for (const entry of taken) {
          held.add(entry.entryId);
          // deliver() takes its slot before its first await: the next turn of the loop counts it.
          const delivery = deliver(endpoint, label, subscriber, entry, slots)
            .catch((err: unknown) => logger.warn({ err, endpoint: label }, 'webhook delivery interrupted; the event stays queued'))
            .finally(() => {
              held.delete(entry.entryId);
              deliveries.delete(delivery);
              notify();
            });
          deliveries.add(delivery);
        }
      }
    } finally {
      clearInterval(heartbeat);
      stopping.signal.removeEventListener('abort', notify);
      await Promise.allSettled(deliveries);
    }
  }

  /** Until delivered, given up, or the broker stops (then the event stays pending for a successor). */
  async function deliver(endpoint: WebhookEndpoint, label: string, subscriber: string, entry: TakenEntry, slots: { begin(): void; end(): void }): Promise<void> {
    while (!stopping.signal.aborted) {
      slots.begin();
      let wait: number | undefined;
      try {
        wait = await attemptOnce(endpoint, label, subscriber, entry);
      } finally {
        slots.end();
      }
      if (wait === undefined) return;
      await pause(wait);
    }
  }

  /** One attempt and what follows it; the wait before the next attempt, or undefined when done. */
  async function attemptOnce(endpoint: WebhookEndpoint, label: string, subscriber: string, entry: TakenEntry): Promise<number | undefined> {
    let facts: ReturnType<typeof eventFacts>;
    try {
      facts = eventFacts(entry.body);
    } catch {
      // Not written by a broker (the stream was written by hand): nothing to send.
      await queue.deadLetter(subscriber, entry.entryId, entry.body, 'not an event body');
      metrics?.dead.inc({ endpoint: label });
      return undefined;
    }
    if (endpoint.events && !endpoint.events.some((type) => type === facts.type)) {
      await queue.ack(subscriber, entry.entryId);
      return undefined;
    }
    const attempt = await queue.countAttempt(subscriber, entry.entryId);
    const result = await attemptDelivery({ endpoint, body: entry.body, eventId: facts.id, eventType: facts.type, attempt, nowMs: clock.now(), timeoutMs: settings.timeoutMs, stop: stopping.signal });
    if (result.ok) {
      await queue.ack(subscriber, entry.entryId);
      metrics?.delivered.inc({ endpoint: label });
      logger.debug({ endpoint: label, event: facts.id, type: facts.type, attempt }, 'webhook delivered');
      return undefined;
    }
    if (stopping.signal.aborted) return undefined;
    metrics?.failedAttempts.inc({ endpoint: label, reason: result.reason });
    const age = clock.now() - facts.createdAt;
    if (attempt >= settings.maxAttempts || !(age < settings.maxAgeMs)) {
      const reason = `${attempt} attempts over ${Math.round(age / 1000)} s; last: ${result.detail}`;
      await queue.deadLetter(subscriber, entry.entryId, entry.body, reason);
      metrics?.dead.inc({ endpoint: label });
      logger.error({ endpoint: label, event: facts.id, type: facts.type, reason }, 'webhook given up: event moved to the dead letters');
      return undefined;
    }
    const wait = backoffMs(attempt, settings, random);
    metrics?.retried.inc({ endpoint: label });
    logger.warn({ endpoint: label, event: facts.id, type: facts.type, attempt, reason: result.detail, retryInMs: wait }, 'webhook attempt failed; retrying');
    return wait;
  }

  /** Waits `ms`, or less when the broker stops. */
  function pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      stopping.signal.addEventListener('abort', done);
    });
  }

  return {
    async stop() {
      stopping.abort();
      await Promise.allSettled(loops);
    },
  };
}
