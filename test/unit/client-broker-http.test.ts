// Which broker refusals the client waits out and which it reports at once.
import { describe, expect, it } from 'vitest';
import { BrokerHttp } from '../../src/client/broker-http.js';
import { UploadError } from '../../src/client/errors.js';

/** A broker that answers from a script, one response per call, and counts the calls. */
function scriptedBroker(answers: Array<{ status: number; body: unknown; retryAfter?: string }>) {
  let calls = 0;
  const fetch = (async () => {
    const answer = answers[Math.min(calls, answers.length - 1)]!;
    calls += 1;
    const headers = new Headers({ 'content-type': 'application/json' });
    if (answer.retryAfter !== undefined) headers.set('retry-after', answer.retryAfter);
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers });
  }) as typeof globalThis.fetch;
  const http = new BrokerHttp({ url: 'http://broker.test', basePath: '/api', fetch, retries: 3, retryDelayMs: 1 });
  return { http, calls: () => calls };
}

describe('broker HTTP refusals', () => {
  it('the cap on unfinished uploads (429 too_many_uploads) fails at once with the broker\'s words, however long its Retry-After', async () => {
    const broker = scriptedBroker([{ status: 429, retryAfter: '86400', body: { error: 'too_many_uploads', message: 'you have 3 unfinished uploads; the limit is 3' } }]);
    const failure = await broker.http.request({ method: 'POST', path: '/', body: {} }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UploadError);
    expect(failure).toMatchObject({ code: 'too_many_uploads', status: 429, retryable: false, retryAfter: 86400, message: 'you have 3 unfinished uploads; the limit is 3' });
    expect(broker.calls()).toBe(1);
  });

  it('a rate limit (429 rate_limited) is waited out and the request sent again', async () => {
    const broker = scriptedBroker([
      { status: 429, retryAfter: '0', body: { error: 'rate_limited', message: 'too many requests; try again in 1 s' } },
      { status: 200, body: { ok: true } },
    ]);
    const answer = await broker.http.request({ method: 'POST', path: '/', body: {} });
    expect(answer).toMatchObject({ status: 200, body: { ok: true } });
    expect(broker.calls()).toBe(2);
  });

  it('a quota refusal (413 quota_exceeded) is not retried', async () => {
    const broker = scriptedBroker([{ status: 413, body: { error: 'quota_exceeded', message: 'tenant acme would hold 11 bytes; its quota is 10' } }]);
    await expect(broker.http.request({ method: 'POST', path: '/', body: {} })).rejects.toMatchObject({ code: 'quota_exceeded', status: 413, retryable: false });
    expect(broker.calls()).toBe(1);
  });
});
