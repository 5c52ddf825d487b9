// Uppy Companion's S3 protocol, every error path a user can reach before a
// multipart upload (companion-multipart.test.ts has those): minting endpoint
// tokens, the token in the path, a token bound to a storage the protocol
// cannot use, form uploads (/s3/params) and how their records settle, CORS.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import request from 'supertest';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { buildBroker, freshStores, storageConfigs, USERS, type TestStores } from '../support/broker.js';
import { mintEndpoint, UPPY_BASE, type UppyEndpoint } from '../support/companion-driver.js';
import { testBytes } from '../support/protocol-driver.js';
import { s3ClientFor } from '../support/provision.js';

const HOUR = 3_600_000;

describe('POST /uppy/tokens', () => {
  let stores: TestStores;
  beforeAll(async () => {
    stores = await freshStores();
  });

  const mint = (app: Parameters<typeof request>[0], headers: Record<string, string>, body: object = {}) => {
    const req = request(app).post(`${UPPY_BASE}/tokens`);
    for (const [name, value] of Object.entries(headers)) req.set(name, value);
    return req.send(body);
  };

  it('refuses a caller without credentials, or with bad ones, with 401', async () => {
    const { app } = buildBroker({ storages: storageConfigs(stores) });
    for (const headers of [{}, { 'X-API-Key': 'not-a-key' }, { Authorization: 'Bearer not.a.jwt' }]) {
      const res = await mint(app, headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.body).toEqual({ error: 'unauthenticated', message: expect.any(String) });
    }
  });

  it('refuses a per-upload token (X-Upload-Token) with 403: it acts on its own upload only', async () => {
    const broker = buildBroker({ storages: storageConfigs(stores) });
    const created = await broker.as('alice').create(testBytes(10), { file_name: 'device.txt' });
    const res = await mint(broker.app, { 'X-Upload-Token': created.upload_token });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'forbidden', message: expect.any(String) });
  });

  it('refuses a storage that does not exist, or belongs to another tenant, with 400; no usable storage at all is 403', async () => {
    const { app } = buildBroker({ storages: storageConfigs(stores, { azure: { tenants: ['other'] } }) });
    const alice = { 'X-API-Key': USERS.alice.key };
    const unknown = await mint(app, alice, { storage_id: 'nope' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({ error: 'bad_request', message: 'storage "nope" is not a storage you may use' });
    const foreign = await mint(app, alice, { storage_id: 'azure' });
    expect(foreign.status).toBe(400);
    expect(foreign.body).toEqual({ error: 'bad_request', message: 'storage "azure" is not a storage you may use' });
    // Control: carol's tenant may use it.
    expect((await mint(app, { 'X-API-Key': USERS.carol.key }, { storage_id: 'azure' })).status).toBe(201);

    const acmeOnly = buildBroker({ storages: storageConfigs(stores, { s3: { tenants: ['acme'] }, azure: { tenants: ['acme'] } }) });
    const none = await mint(acmeOnly.app, { 'X-API-Key': USERS.carol.key });
    expect(none.status).toBe(403);
    expect(none.body).toEqual({ error: 'forbidden', message: 'no storage is configured for your tenant' });
  });

  it('caps ttl_seconds at the maximum (3600 s) and defaults to 900 s', async () => {
    const now = Date.UTC(2026, 11, 1, 12, 0, 0);
    const { app } = buildBroker({ storages: storageConfigs(stores), clock: { now: () => now } });
    const alice = { 'X-API-Key': USERS.alice.key };
    const expiry = async (body: object) => {
      const res = await mint(app, alice, body);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return Date.parse(res.body.expires_at as string) - now;
    };
    expect(await expiry({ ttl_seconds: 86_400 })).toBe(HOUR);
    expect(await expiry({ ttl_seconds: 3_601 })).toBe(HOUR);
    expect(await expiry({ ttl_seconds: 60 })).toBe(60_000);
    expect(await expiry({})).toBe(900_000);
  });

  it.each([
    ['an unknown field', { storage_id: 's3', user: 'bob' }],
    ['ttl_seconds 0', { ttl_seconds: 0 }],
    ['ttl_seconds above the schema maximum', { ttl_seconds: 86_401 }],
    ['ttl_seconds as a string', { ttl_seconds: '60' }],
    ['ttl_seconds not an integer', { ttl_seconds: 1.5 }],
    ['an empty storage_id', { storage_id: '' }],
  ])('refuses a body with %s with 400 {error, message}', async (_what, body) => {
    const { app } = buildBroker({ storages: storageConfigs(stores) });
    const res = await mint(app, { 'X-API-Key': USERS.alice.key }, body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'bad_request', message: expect.any(String) });
  });

  it('refuses a body that is not JSON with 400', async () => {
    const { app } = buildBroker({ storages: storageConfigs(stores) });
    const res = await request(app).post(`${UPPY_BASE}/tokens`).set('X-API-Key', USERS.alice.key).set('Content-Type', 'application/json').send('{"ttl_seconds":');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'bad_request', message: 'request body is not valid JSON' });
  });
});

describe('the endpoint token in the path', () => {
  let stores: TestStores;
  beforeAll(async () => {
    stores = await freshStores();
  });

  /** Every route Uppy calls, under `endpoint`, with arguments that would be valid for a genuine token. */
  const everyRoute = (app: Parameters<typeof request>[0], endpoint: string) => [
    ['params', request(app).get(`${endpoint}/s3/params?filename=a.txt&type=text/plain`)],
    ['create', request(app).post(`${endpoint}/s3/multipart`).send({ filename: 'a.bin', type: 'application/octet-stream', metadata: {} })],
    ['sign', request(app).get(`${endpoint}/s3/multipart/uploads-x/1?key=acme%2Fx.bin`)],
    ['list', request(app).get(`${endpoint}/s3/multipart/uploads-x?key=acme%2Fx.bin`)],
    ['complete', request(app).post(`${endpoint}/s3/multipart/uploads-x/complete?key=acme%2Fx.bin`).send({ parts: [{ PartNumber: 1, ETag: 'x' }] })],
    ['delete', request(app).delete(`${endpoint}/s3/multipart/uploads-x?key=acme%2Fx.bin`)],
  ] as const;

  async function expectRefused(app: Parameters<typeof request>[0], endpoint: string, message: RegExp): Promise<void> {
    for (const [name, call] of everyRoute(app, endpoint)) {
      const res = await call;
      expect(res.status, `${name} under ${endpoint}: ${JSON.stringify(res.body)}`).toBe(401);
      expect(res.body.error, name).toBe('unauthenticated');
      expect(res.body.message, name).toMatch(message);
    }
  }

  it('refuses a forged token with 401 on every route', async () => {
    const { app } = buildBroker({ storages: storageConfigs(stores) });
    for (const forged of ['not-a-token', 'abc.def', 'a.b.c']) await expectRefused(app, `${UPPY_BASE}/${forged}`, /not valid/);
  });

  it('refuses a request with no token in the endpoint with 401', async () => {
    // An integrator who forgot to mint one configures `<broker>/uppy` as the endpoint.
    const { app } = buildBroker({ storages: storageConfigs(stores) });
    for (const path of [`${UPPY_BASE}/s3/params?filename=a.txt`, `${UPPY_BASE}//s3/params?filename=a.txt`]) {
      const res = await request(app).get(path);
      expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(401);
      expect(res.body.error).toBe('unauthenticated');
    }
  });

  it('refuses a tampered token with 401 on every route: claims changed, signature changed, signature respelled', async () => {
    const { app } = buildBroker({ storages: storageConfigs(stores) });
    const alice = await mintEndpoint(app, 'alice');
    // Control: the genuine token is accepted.
    expect((await alice.params({ filename: 'a.txt', type: 'text/plain' })).status).toBe(200);
    const [payload, signature] = alice.token.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const asBob = Buffer.from(JSON.stringify({ ...claims, u: 'bob' })).toString('base64url');
    const later = Buffer.from(JSON.stringify({ ...claims, e: Number(claims['e']) + 86_400_000 })).toString('base64url');
    const flipped = `${signature.slice(0, 5)}${signature[5] === 'A' ? 'B' : 'A'}${signature.slice(6)}`;
    for (const tampered of [`${asBob}.${signature}`, `${later}.${signature}`, `${payload}.${flipped}`, `${alice.token}~`]) {
      await expectRefused(app, `${UPPY_BASE}/${tampered}`, /not valid/);
    }
  });

  it('refuses an expired token with 401 saying so (injected clock), and accepts it up to its expiry', async () => {
    let now = Date.now();
    const { app } = buildBroker({ storages: storageConfigs(stores), clock: { now: () => now } });
    const alice = await mintEndpoint(app, 'alice', { ttl_seconds: 60 });
    now += 60_000;
    expect((await alice.params({ filename: 'a.txt', type: 'text/plain' })).status).toBe(200);
    now += 1;
    await expectRefused(app, alice.endpoint, /expired/);
  });
});

describe('a token bound to the Azure storage', () => {
  it('is refused on /s3/params and /s3/multipart with 400, and nothing is created', async () => {
    const broker = buildBroker({ storages: storageConfigs(await freshStores()) });
    const azure = await mintEndpoint(broker.app, 'alice', { storage_id: 'azure' });
    const params = await azure.params({ filename: 'photo.jpg', type: 'image/jpeg' });
    expect(params.status).toBe(400);
    expect(params.body).toEqual({ error: 'bad_request', message: 'storage azure takes no browser form uploads' });
    const multipart = await azure.createMultipart('video.mp4', 'video/mp4');
    expect(multipart.status).toBe(400);
    expect(multipart.body.error).toBe('bad_request');
    expect(multipart.body.message).toMatch(/storage azure cannot take uploads without part MD5s/);
    const listed = await broker.as('alice').get('/');
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([]);
    // Control: the same calls with a token for the S3 storage create records.
    const s3 = await mintEndpoint(broker.app, 'alice', { storage_id: 's3' });
    expect((await s3.params({ filename: 'photo.jpg', type: 'image/jpeg' })).status).toBe(200);
    expect((await s3.createMultipart('video.mp4', 'video/mp4')).status).toBe(200);
    expect((await broker.as('alice').get('/')).body).toHaveLength(2);
  });
});

describe('GET /s3/params (form uploads)', () => {
  let stores: TestStores;
  let broker: ReturnType<typeof buildBroker>;
  let alice: UppyEndpoint;
  beforeAll(async () => {
    stores = await freshStores();
    broker = buildBroker({ storages: storageConfigs(stores, { s3: { filters: { extensions: ['jpg', 'txt', 'bin'], maxFileSize: 1000 } } }) });
    alice = await mintEndpoint(broker.app, 'alice', { storage_id: 's3' });
  });

  it.each([
    ['no filename', { type: 'text/plain' }, 'bad_request', /filename/],
    ['an empty filename', { filename: '', type: 'text/plain' }, 'bad_request', /filename/],
    ['a type that is not a MIME type', { filename: 'a.txt', type: 'not a type' }, 'bad_request', /type/],
    ['a query field Uppy never sends', { filename: 'a.txt', bucket: 'other' }, 'bad_request', /bucket|additional/],
    ['the filename ".."', { filename: '..', type: 'text/plain' }, 'invalid_file', /"\.\.".*usable|usable.*"\.\."/],
    ['a reserved device name', { filename: 'con.txt', type: 'text/plain' }, 'invalid_file', /reserved/],
    ['an extension the storage refuses', { filename: 'run.exe', type: 'application/octet-stream' }, 'invalid_file', /\.exe is not allowed/],
  ])('refuses %s with 400', async (_what, query, error, message) => {
    const res = await alice.params(query);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error).toBe(error);
    expect(res.body.message).toMatch(message);
  });

  it('answers a form with a concrete key under the tenant, and no field Uppy would refuse or that would redirect', async () => {
    const res = await alice.params({ filename: 'holiday photo.jpg', type: 'image/jpeg', 'metadata[name]': 'holiday photo.jpg', 'metadata[type]': 'image/jpeg' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.method).toBe('POST');
    expect(res.body.url).toMatch(new RegExp(`/${stores.s3.bucket}/?$`));
    const fields = res.body.fields as Record<string, string>;
    const names = Object.keys(fields).map((name) => name.toLowerCase());
    for (const forbidden of ['file', 'redirect', 'success_action_redirect']) expect(names).not.toContain(forbidden);
    expect(fields['key']).toMatch(/^acme\/[0-9a-f]{32}\.jpg$/);
    expect(fields['key']).not.toContain('${');
    expect(fields['Policy']).toEqual(expect.any(String));
  });

  it('records a pending upload that completes only once its object is in the store', async () => {
    const res = await alice.params({ filename: 'notes.txt', type: 'text/plain' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const key = (res.body.fields as Record<string, string>)['key'] as string;
    const owner = broker.as('alice');
    const recordOf = async () => ((await owner.get('/')).body as Array<Record<string, unknown>>).find((r) => r['object_key'] === key);
    const pending = await recordOf();
    expect(pending).toMatchObject({ state: 'pending', integrity: 'policy-size', file_name: 'notes.txt', upload_complete: false, storage_id: 's3' });
    const id = pending?.['id'] as string;

    // Finalize before the object exists: not complete.
    const early = await owner.put(`/${id}`);
    expect(early.status).toBe(422);
    expect(early.body).toEqual({ error: 'verification_failed', message: expect.stringMatching(/not in the store/) });
    expect((await owner.get(`/${id}`)).body.state).toBe('pending');

    // Swift has no POST policy support: the object arrives with a signed PutObject, as the browser tests' gateway stores it.
    const bytes = testBytes(321);
    const swift = s3ClientFor(inject('swift'));
    try {
      await swift.send(new PutObjectCommand({ Bucket: stores.s3.bucket, Key: key, Body: bytes, ContentType: 'text/plain' }));
    } finally {
      swift.destroy();
    }
    expect(await recordOf()).toMatchObject({ id, state: 'complete', upload_complete: true, integrity: 'policy-size', file_size: bytes.length });
    const status = await owner.get(`/${id}`);
    expect(status.body).toMatchObject({ state: 'complete', file_size: bytes.length });
    expect((await owner.put(`/${id}`)).status).toBe(200);
  });

  it('leaves the record pending when the object in the store is larger than the policy allowed', async () => {
    const res = await alice.params({ filename: 'big.bin', type: 'application/octet-stream' });
    const key = (res.body.fields as Record<string, string>)['key'] as string;
    const swift = s3ClientFor(inject('swift'));
    try {
      await swift.send(new PutObjectCommand({ Bucket: stores.s3.bucket, Key: key, Body: testBytes(1001), ContentType: 'application/octet-stream' }));
    } finally {
      swift.destroy();
    }
    const owner = broker.as('alice');
    const record = ((await owner.get('/')).body as Array<Record<string, unknown>>).find((r) => r['object_key'] === key);
    expect(record).toMatchObject({ state: 'pending', integrity: 'policy-size' });
    expect((await owner.put(`/${record?.['id'] as string}`)).status).toBe(422);
  });
});

describe('CORS on the Uppy routes', () => {
  const PAGE = 'https://app.example';
  let broker: ReturnType<typeof buildBroker>;
  let alice: UppyEndpoint;
  beforeAll(async () => {
    broker = buildBroker({ storages: storageConfigs(await freshStores()), corsOrigins: [PAGE] });
    alice = await mintEndpoint(broker.app, 'alice');
  });

  const preflight = (path: string, origin: string, method: string) =>
    request(broker.app).options(path).set('Origin', origin).set('Access-Control-Request-Method', method).set('Access-Control-Request-Headers', 'content-type');

  it('answers the preflight of a POST and a DELETE from the configured origin with 204', async () => {
    for (const [path, method] of [[`${alice.endpoint}/s3/multipart`, 'POST'], [`${alice.endpoint}/s3/multipart/uploads-x?key=acme%2Fx.bin`, 'DELETE']] as const) {
      const res = await preflight(path, PAGE, method);
      expect(res.status, `${method} ${path}`).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(PAGE);
      const methods = String(res.headers['access-control-allow-methods']).split(',').map((m) => m.trim());
      expect(methods).toEqual(expect.arrayContaining(['GET', 'POST', 'DELETE']));
      expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain('content-type');
    }
  });

  it('gives another origin no Access-Control-Allow-Origin, on a preflight or a request', async () => {
    const pre = await preflight(`${alice.endpoint}/s3/multipart`, 'https://evil.example', 'POST');
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    const get = await request(broker.app).get(`${alice.endpoint}/s3/params?filename=a.txt&type=text/plain`).set('Origin', 'https://evil.example');
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('puts the header on answers to the configured origin, errors included (else the browser hides the status)', async () => {
    const ok = await request(broker.app).get(`${alice.endpoint}/s3/params?filename=a.txt&type=text/plain`).set('Origin', PAGE);
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe(PAGE);
    const forged = await request(broker.app).get(`${UPPY_BASE}/not-a-token/s3/params?filename=a.txt`).set('Origin', PAGE);
    expect(forged.status).toBe(401);
    expect(forged.headers['access-control-allow-origin']).toBe(PAGE);
    const unknown = await request(broker.app).get(`${alice.endpoint}/s3/multipart/uploads-x?key=acme%2Fx.bin`).set('Origin', PAGE);
    expect(unknown.status).toBe(404);
    expect(unknown.headers['access-control-allow-origin']).toBe(PAGE);
  });
});
