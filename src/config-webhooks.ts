// The config file's `webhooks` section, with its defaults and the checks the schema cannot
// make (a secret read from a file, a URL that must parse, one endpoint per URL).
import type { RawConfig } from './config-file.js';
import { DEFAULT_WEBHOOK_SETTINGS, type WebhookEndpoint, type WebhookSettings } from './webhooks/settings.js';

/** Reads `<field>_file`; throws the caller's error type with the message. */
export type SecretReader = (value: string | undefined, file: string | undefined, field: string) => string | undefined;

export function toWebhookSettings(raw: NonNullable<RawConfig['webhooks']>, readSecret: SecretReader, fail: (message: string) => Error): WebhookSettings {
  const seen = new Map<string, number>();
  const endpoints = raw.endpoints.map((entry, index): WebhookEndpoint => {
    const where = `webhooks.endpoints[${index}]`;
    // Named by position, never quoted: a URL may carry a token.
    let url: URL;
    try {
      url = new URL(entry.url);
    } catch {
      throw fail(`${where}.url is not a valid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw fail(`${where}.url must be an http:// or https:// URL`);
    const first = seen.get(url.href);
    if (first !== undefined) throw fail(`${where}.url is the same as webhooks.endpoints[${first}].url; list each endpoint once`);
    seen.set(url.href, index);
    const secret = readSecret(entry.secret, entry.secret_file, `${where}.secret`);
    if (secret === undefined) throw fail(`${where}.secret (or ${where}.secret_file) is required: receivers check the signature with it`);
    // The schema checks an inline secret; one from a file is checked here.
    if (secret.length < 32) throw fail(`${where}.secret must be at least 32 characters`);
    return { url: entry.url, secret, ...(entry.events === undefined ? {} : { events: entry.events }) };
  });
  const seconds = (value: number | undefined, fallbackMs: number) => (value === undefined ? fallbackMs : Math.round(value * 1000));
  const d = DEFAULT_WEBHOOK_SETTINGS;
  const settings: WebhookSettings = {
    endpoints,
    timeoutMs: seconds(raw.timeout_seconds, d.timeoutMs),
    maxAttempts: raw.max_attempts ?? d.maxAttempts,
    maxAgeMs: raw.max_age_minutes === undefined ? d.maxAgeMs : Math.round(raw.max_age_minutes * 60_000),
    backoffInitialMs: seconds(raw.backoff_initial_seconds, d.backoffInitialMs),
    backoffMaxMs: seconds(raw.backoff_max_seconds, d.backoffMaxMs),
    visibilityMs: seconds(raw.visibility_timeout_seconds, d.visibilityMs),
    concurrency: raw.concurrency ?? d.concurrency,
  };
  if (settings.backoffMaxMs < settings.backoffInitialMs) throw fail('webhooks.backoff_max_seconds must not be less than webhooks.backoff_initial_seconds');
  // A delivery must end before others may take it over, or a slow receiver gets it twice.
  if (settings.visibilityMs <= settings.timeoutMs) throw fail('webhooks.visibility_timeout_seconds must be more than webhooks.timeout_seconds');
  return settings;
}
