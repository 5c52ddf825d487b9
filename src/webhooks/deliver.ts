// One delivery attempt: POST the stored body, signed, to one endpoint. Redirects are never
// followed (a 3xx is a failure: the receiver must be configured at its real URL, and a
// redirect could lead the signed body elsewhere); the attempt is bounded by a timeout.
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';
import type { WebhookEndpoint } from './settings.js';

export type AttemptResult = { ok: true; status: number } | { ok: false; reason: 'status' | 'redirect' | 'timeout' | 'network'; detail: string };

export interface AttemptInput {
  endpoint: WebhookEndpoint;
  body: string;
  eventId: string;
  eventType: string;
  attempt: number;
  nowMs: number;
  timeoutMs: number;
  /** Aborted when the broker stops: the attempt ends as a network failure and is retried later. */
  stop: AbortSignal;
}

export async function attemptDelivery(input: AttemptInput): Promise<AttemptResult> {
  // One controller per attempt, tied to the stop signal only for its duration: AbortSignal.any
  // on the worker's long-lived stop signal would keep a dependant per attempt.
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, input.timeoutMs);
  const onStop = () => abort.abort();
  input.stop.addEventListener('abort', onStop, { once: true });
  try {
    const response = await fetch(input.endpoint.url, {
      method: 'POST',
      redirect: 'manual',
      signal: abort.signal,
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'Signpost-Webhooks/1',
        [SIGNATURE_HEADER]: signatureHeader(input.endpoint.secret, input.body, Math.floor(input.nowMs / 1000)),
        'Signpost-Event-Id': input.eventId,
        'Signpost-Event-Type': input.eventType,
        'Signpost-Delivery-Attempt': String(input.attempt),
      },
      body: input.body,
    });
    // The answer's body means nothing to us; release the connection.
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    if (response.status >= 300 && response.status < 400) return { ok: false, reason: 'redirect', detail: `answered ${response.status} (redirects are not followed)` };
    return { ok: false, reason: 'status', detail: `answered ${response.status}` };
  } catch (error) {
    if (timedOut) return { ok: false, reason: 'timeout', detail: `no answer within ${input.timeoutMs} ms` };
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, reason: 'network', detail: cause?.code ?? cause?.message ?? (error as Error).message };
  } finally {
    clearTimeout(timer);
    input.stop.removeEventListener('abort', onStop);
  }
}
