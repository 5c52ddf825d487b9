// What the pipeline in app.ts promises every protocol besides its routes: API answers carry
// no ETag (no client revalidates them; making one hashed every answer) while the extras (the
// demo page) keep theirs and answer 304; with no CORS origin configured no answer carries
// CORS headers, and a preflight is still answered as before (204, no grant).
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { buildDependencies } from '../../src/compose.js';
import { DEFAULT_COMPANION, type Config } from '../../src/config.js';
import { DEFAULT_LIMITS } from '../../src/domain/context.js';
import { COMPANION_TOKEN_SECRET, freshStores, storageConfigs, USERS } from '../support/broker.js';
import { BASE, md5b64, testBytes } from '../support/protocol-driver.js';

describe('the pipeline around the routes', () => {
  let app: ReturnType<typeof createApp>;
  const key = USERS.alice.key;
  beforeAll(async () => {
    const config: Config = {
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      basePath: BASE,
      v1BasePath: '/api/v1',
      demoPage: false,
      trustProxy: false,
      corsOrigins: [],
      companion: { ...DEFAULT_COMPANION, tokenSecret: COMPANION_TOKEN_SECRET },
      storages: storageConfigs(await freshStores()),
      auth: { apiKeys: Object.fromEntries(Object.values(USERS).map(({ key: apiKey, ...caller }) => [apiKey, caller])) },
      limits: DEFAULT_LIMITS,
    };
    // An extra router as the demo page is one: answers browsers revalidate.
    const extra = express.Router().get('/demo/asset.js', (_req, res) => void res.type('text/javascript').send('export const asset = 1;\n'));
    app = createApp({ ...buildDependencies(config, pino({ level: 'silent' })), extraRouters: [extra] });
  });

  it('answers the APIs without an ETag', async () => {
    const bytes = testBytes(1000);
    const created = await request(app).post(`${BASE}/`).set('X-API-Key', key).send({ file_name: 'a.bin', file_size: bytes.length, file_id: md5b64(bytes) });
    expect(created.status).toBe(200);
    expect(created.headers['etag']).toBeUndefined();
    const path = `${BASE}/${created.body.upload_id as string}`;
    const status = await request(app).get(path).set('X-API-Key', key);
    expect(status.status).toBe(200);
    expect(status.headers['etag']).toBeUndefined();
    const v1 = await request(app).get('/api/v1/openapi.json');
    expect(v1.status).toBe(200);
    expect(v1.headers['etag']).toBeUndefined();
  });

  it('keeps ETags on the extras: the asset is revalidated with a 304', async () => {
    const asset = await request(app).get('/demo/asset.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['etag']).toMatch(/^W\/"/);
    expect(asset.headers['x-powered-by']).toBeUndefined();
    const again = await request(app).get('/demo/asset.js').set('If-None-Match', asset.headers['etag'] as string);
    expect(again.status).toBe(304);
  });

  it('with no CORS origin configured: answers carry no CORS headers; a preflight is 204 with no grant', async () => {
    const listed = await request(app).get(`${BASE}/`).set('Origin', 'https://app.example').set('X-API-Key', key);
    expect(listed.status).toBe(200);
    for (const header of ['access-control-allow-origin', 'access-control-expose-headers', 'vary']) expect(listed.headers[header]).toBeUndefined();
    for (const path of [`${BASE}/uploads-x`, '/api/v1/uploads', '/uppy/tokens']) {
      const preflight = await request(app).options(path).set('Origin', 'https://app.example').set('Access-Control-Request-Method', 'POST');
      expect(preflight.status, path).toBe(204);
      expect(preflight.headers['access-control-allow-origin'], path).toBeUndefined();
    }
  });
});
