// Who may use an Uppy endpoint, checked from Node with fetch (no browser
// needed): a token reaches only its own user's uploads, a made-up or expired
// token is refused, and CORS preflights are answered for the configured page
// origin only.
import { describe, expect, it } from 'vitest';
import { USERS } from '../support/broker.js';
import { until } from './support/demo-page-driver.js';
import { useUppyEnvironment } from './support/uppy-environment.js';

const env = useUppyEnvironment({ browser: false });

/** Creates a multipart upload as Uppy does: POST <endpoint>/s3/multipart with its JSON body. */
async function createMultipart(endpoint: string, filename: string): Promise<{ key: string; uploadId: string }> {
  const res = await fetch(`${endpoint}/s3/multipart`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ filename, metadata: { name: filename, type: 'application/octet-stream' }, type: 'application/octet-stream' }),
  });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as { key: string; uploadId: string };
}

describe("Uppy endpoint's access rules", () => {
  it("another user's token cannot reach alice's multipart upload", async () => {
    const [alice, bob] = await Promise.all([env.mintToken(USERS.alice.key), env.mintToken(USERS.bob.key)]);
    const { key, uploadId } = await createMultipart(alice.url, 'uppy-owned-by-alice.bin');
    const listPath = `/s3/multipart/${encodeURIComponent(uploadId)}?${new URLSearchParams({ key })}`;

    // Control: the same request with alice's own token is answered.
    expect((await fetch(`${alice.url}${listPath}`)).status).toBe(200);
    expect((await fetch(`${bob.url}${listPath}`)).status).toBe(404);
    expect((await fetch(`${bob.url}/s3/multipart/${encodeURIComponent(uploadId)}/1?${new URLSearchParams({ key })}`)).status).toBe(404);
    expect((await fetch(`${bob.url}${listPath}`, { method: 'DELETE' })).status).toBe(404);
    // Bob's DELETE did not abort it: alice still lists it.
    expect((await fetch(`${alice.url}${listPath}`)).status).toBe(200);

    expect((await fetch(`${alice.url}${listPath}`, { method: 'DELETE' })).ok).toBe(true);
  });

  it('refuses a made-up token with 401', async () => {
    const res = await fetch(`${env.brokerUrl}/uppy/not-a-token/s3/params?filename=a.txt&type=text/plain`);
    expect(res.status).toBe(401);
  });

  it('refuses an expired token with 401', async () => {
    const token = await env.mintToken(USERS.alice.key, { ttl_seconds: 1 });
    const expiresAt = Date.parse(token.expires_at);
    expect(expiresAt).toBeGreaterThan(Date.now() - 5_000);
    // Waiting for the clock, not for the broker; a second's margin in case expires_at was rounded down.
    await until(() => Date.now(), (now) => now > expiresAt + 1_000, `the clock to pass ${token.expires_at}`, 10_000);
    const res = await fetch(`${token.url}/s3/params?filename=a.txt&type=text/plain`);
    expect(res.status).toBe(401);
  });

  it('answers the CORS preflight of a POST for the configured page origin', async () => {
    const token = await env.mintToken(USERS.alice.key);
    const res = await fetch(`${token.url}/s3/multipart`, {
      method: 'OPTIONS',
      headers: { Origin: env.pageOrigin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(env.pageOrigin);
  });

  it('gives no Access-Control-Allow-Origin to an origin that is not configured', async () => {
    const token = await env.mintToken(USERS.alice.key);
    const stranger = 'http://127.0.0.1:1';
    const preflight = await fetch(`${token.url}/s3/multipart`, {
      method: 'OPTIONS',
      headers: { Origin: stranger, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await fetch(`${token.url}/s3/params?filename=a.txt&type=text/plain`, { headers: { Origin: stranger } });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });
});
