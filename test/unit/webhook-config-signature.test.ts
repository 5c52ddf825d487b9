// Webhook signatures as a receiver checks them, the backoff's bounds, and the config's
// refusals (each one sentence naming the field, never quoting a URL or secret).
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { configError, serverEnv } from '../support/config-errors.js';
import { signatureHeader, verifySignature } from '../../src/webhooks/signature.js';
import { backoffMs } from '../../src/webhooks/worker.js';

const storages = [{ id: 'main', type: 's3', bucket: 'uploads', access_key_id: 'AKIA', secret_access_key: 'secret', default: true }];
const auth = { api_keys: { 'a-key-of-sixteen-chars': { user: 'u', tenant: 't' } } };
const SECRET = 'whsec-0123456789abcdef0123456789abcdef';

const refusal = (webhooks: unknown, read?: (path: string) => string): string => configError(() => parseConfig({ storages, auth, webhooks }, serverEnv, 'config', read));

describe('webhook signatures', () => {
  const body = '{"id":"evt_x","type":"upload.created"}';
  const now = 1_800_000_000;

  it('verify against the raw body, the secret and a recent timestamp', () => {
    const header = signatureHeader(SECRET, body, now);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature(SECRET, header, body, now + 10)).toBe(true);
  });

  it('fail for another body, another secret, an old or future timestamp, or a malformed header', () => {
    const header = signatureHeader(SECRET, body, now);
    expect(verifySignature(SECRET, header, `${body} `, now)).toBe(false);
    expect(verifySignature(`${SECRET}x`, header, body, now)).toBe(false);
    expect(verifySignature(SECRET, header, body, now + 301)).toBe(false);
    expect(verifySignature(SECRET, header, body, now - 301)).toBe(false);
    expect(verifySignature(SECRET, header.replace('t=1800000000', 't=1800000001'), body, now)).toBe(false);
    expect(verifySignature(SECRET, 'v1=abc', body, now)).toBe(false);
    expect(verifySignature(SECRET, undefined, body, now)).toBe(false);
  });
});

describe('webhook backoff', () => {
  const settings = { backoffInitialMs: 1_000, backoffMaxMs: 10_000 };
  it('doubles from the initial wait up to the maximum, jittered between half and all of it', () => {
    expect(backoffMs(1, settings, () => 0)).toBe(500);
    expect(backoffMs(1, settings, () => 1)).toBe(1_000);
    expect(backoffMs(3, settings, () => 1)).toBe(4_000);
    expect(backoffMs(30, settings, () => 1)).toBe(10_000);
    expect(backoffMs(30, settings, () => 0)).toBe(5_000);
  });
});

describe('webhooks config', () => {
  it('maps endpoints and tuning with defaults', () => {
    const config = parseConfig({ storages, auth, webhooks: { endpoints: [{ url: 'https://hooks.example/in', secret: SECRET, events: ['upload.completed'] }], backoff_initial_seconds: 0.05 } }, serverEnv);
    expect(config.webhooks).toMatchObject({ endpoints: [{ url: 'https://hooks.example/in', secret: SECRET, events: ['upload.completed'] }], backoffInitialMs: 50, timeoutMs: 10_000, maxAttempts: 12, visibilityMs: 60_000 });
  });

  it('reads a secret from a file', () => {
    const config = parseConfig({ storages, auth, webhooks: { endpoints: [{ url: 'http://127.0.0.1:9/in', secret_file: '/run/secrets/hook' }] } }, serverEnv, 'config', () => `${SECRET}\n`);
    expect(config.webhooks?.endpoints[0]?.secret).toBe(SECRET);
  });

  it('refuses a short secret, inline or from a file', () => {
    expect(refusal({ endpoints: [{ url: 'https://hooks.example/in', secret: 'short' }] })).toMatch(/webhooks\.endpoints\[0\]\.secret .*at least 32 characters/);
    expect(refusal({ endpoints: [{ url: 'https://hooks.example/in', secret_file: '/s' }] }, () => 'short')).toBe('config: webhooks.endpoints[0].secret must be at least 32 characters');
  });

  it('refuses an endpoint without a secret', () => {
    expect(refusal({ endpoints: [{ url: 'https://hooks.example/in' }] })).toMatch(/webhooks\.endpoints\[0\]\.secret \(or webhooks\.endpoints\[0\]\.secret_file\) is required/);
  });

  it('refuses a URL that is not http(s), without quoting it', () => {
    const message = refusal({ endpoints: [{ url: 'ftp://user:pw@hooks.example/in', secret: SECRET }] });
    expect(message).toBe('config: webhooks.endpoints[0].url must be an http:// or https:// URL');
    expect(message).not.toContain('pw@');
    expect(refusal({ endpoints: [{ url: 'http://', secret: SECRET }] })).toBe('config: webhooks.endpoints[0].url is not a valid URL');
  });

  it('refuses the same endpoint twice, an unknown event, and a visibility timeout not above the attempt timeout', () => {
    const endpoint = { url: 'https://hooks.example/in', secret: SECRET };
    expect(refusal({ endpoints: [endpoint, endpoint] })).toMatch(/webhooks\.endpoints\[1\]\.url is the same as webhooks\.endpoints\[0\]\.url/);
    expect(refusal({ endpoints: [{ ...endpoint, events: ['upload.deleted'] }] })).toMatch(/webhooks\.endpoints\[0\]\.events\[0\] must be one of "upload\.created"/);
    expect(refusal({ endpoints: [endpoint], timeout_seconds: 30, visibility_timeout_seconds: 30 })).toMatch(/visibility_timeout_seconds must be more than webhooks\.timeout_seconds/);
    expect(refusal({ endpoints: [] })).toMatch(/webhooks\.endpoints/);
  });
});

describe('the event body in API v1\'s OpenAPI document', () => {
  it('is its webhook, with the schema the deliveries are checked against', async () => {
    const { openApiDocument } = await import('../../src/protocols/v1/openapi.js');
    const { uploadEventBody } = await import('../../schemas/events/upload-event.js');
    const document = openApiDocument('/api/v1') as { webhooks: Record<string, { post: { requestBody: { content: Record<string, { schema: object }> } } }>; components: { schemas: Record<string, object> } };
    expect(document.webhooks['uploadEvent']?.post.requestBody.content['application/json']?.schema).toEqual({ $ref: '#/components/schemas/UploadEvent' });
    const { $id: _id, ...schema } = uploadEventBody;
    expect(document.components.schemas['UploadEvent']).toEqual(schema);
  });
});
