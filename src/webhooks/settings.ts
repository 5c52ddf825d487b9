// What the operator configures for webhooks (config file `webhooks`, mapped by
// config-webhooks.ts), and the metrics the delivery counts.
import { Counter, type Registry } from 'prom-client';
import type { UploadEventType } from '../domain/events.js';

export interface WebhookEndpoint {
  url: string;
  /** HMAC-SHA256 key of the Signpost-Signature header. */
  secret: string;
  /** Only these event types; absent: all. */
  events?: UploadEventType[];
}

export interface WebhookSettings {
  endpoints: WebhookEndpoint[];
  /** One attempt (connect, send, answer) gets this long. */
  timeoutMs: number;
  /** Attempts per event and endpoint before it goes to the dead letters. */
  maxAttempts: number;
  /** An event older than this is not tried again: dead letters. */
  maxAgeMs: number;
  /** The wait after the first failure; doubled after each, up to backoffMaxMs, with jitter. */
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** An event its process stopped holding this long (killed) is taken over by another. */
  visibilityMs: number;
  /** Deliveries in flight at once, per endpoint and process. */
  concurrency: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: Omit<WebhookSettings, 'endpoints'> = {
  timeoutMs: 10_000,
  maxAttempts: 12,
  maxAgeMs: 24 * 3_600_000,
  backoffInitialMs: 5_000,
  backoffMaxMs: 3_600_000,
  visibilityMs: 60_000,
  concurrency: 4,
};

export interface WebhookMetrics {
  published: Counter<'type'>;
  /** Events the broker could not queue (the queue was unreachable): kept in memory and retried. */
  publishFailed: Counter;
  delivered: Counter<'endpoint'>;
  failedAttempts: Counter<'endpoint' | 'reason'>;
  retried: Counter<'endpoint'>;
  dead: Counter<'endpoint'>;
}

/** Endpoints are labelled by their position in the config: a URL may carry a token. */
export function createWebhookMetrics(registry: Registry): WebhookMetrics {
  const registers = [registry];
  return {
    published: new Counter({ name: 'signpost_webhook_events_published_total', help: 'Upload events queued for webhook delivery, by type', labelNames: ['type'], registers }),
    publishFailed: new Counter({ name: 'signpost_webhook_publish_failures_total', help: 'Upload events that could not be queued at once (kept in memory and retried)', registers }),
    delivered: new Counter({ name: 'signpost_webhook_delivered_total', help: 'Webhook deliveries answered 2xx, by endpoint index', labelNames: ['endpoint'], registers }),
    failedAttempts: new Counter({ name: 'signpost_webhook_failed_attempts_total', help: 'Webhook attempts that failed (status, timeout, network, redirect), by endpoint index', labelNames: ['endpoint', 'reason'], registers }),
    retried: new Counter({ name: 'signpost_webhook_retries_total', help: 'Webhook deliveries scheduled again after a failed attempt', labelNames: ['endpoint'], registers }),
    dead: new Counter({ name: 'signpost_webhook_dead_total', help: 'Webhook deliveries given up (attempts or age exhausted) into the dead letters', labelNames: ['endpoint'], registers }),
  };
}
