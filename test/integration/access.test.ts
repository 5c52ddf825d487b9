// Who may act on an upload: the owner, an admin of the same tenant, or the
// holder of the upload's token. Everyone else gets 404 (no existence oracle);
// no credentials get 401.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBroker, freshStores, storageConfigs, type TestBroker } from '../support/broker.js';
import { md5b64, sendSigned, testBytes } from '../support/protocol-driver.js';

describe('ownership and tenancy', () => {
  let broker: TestBroker;
  let id: string;
  let token: string;
  const bytes = testBytes(4096);

  beforeAll(async () => {
    broker = buildBroker({ storages: storageConfigs(await freshStores()) });
    const created = await broker.as('alice').create(bytes, { file_name: 'secret.pdf' });
    id = created.upload_id;
    token = created.upload_token;
  });

  const partQuery = () => `?part=1&file_id=${encodeURIComponent(md5b64(bytes))}`;
  const routes = () => [
    ['GET /:id', (c: ReturnType<TestBroker['as']>) => c.get(`/${id}`)],
    ['PATCH /:id', (c: ReturnType<TestBroker['as']>) => c.patch(`/${id}${partQuery()}`)],
    ['GET /:id/edit', (c: ReturnType<TestBroker['as']>) => c.get(`/${id}/edit${partQuery()}`)],
    ['PUT /:id', (c: ReturnType<TestBroker['as']>) => c.put(`/${id}`)],
    ['GET /:id/url', (c: ReturnType<TestBroker['as']>) => c.get(`/${id}/url`)],
    ['DELETE /:id', (c: ReturnType<TestBroker['as']>) => c.delete(`/${id}`)],
  ] as const;

  it.each(['bob', 'carol', 'otherAdmin'] as const)('%s (not the owner) gets 404 on every per-upload route', async (user) => {
    for (const [name, call] of routes()) {
      const res = await call(broker.as(user));
      expect(res.status, `${name}: ${JSON.stringify(res.body)}`).toBe(404);
      expect(res.body).toEqual({ error: 'not_found', message: `upload "${id}" not found` });
    }
  });

  it('the answer for another user\'s upload is the same as for an unknown id', async () => {
    const unknown = await broker.as('bob').get('/uploads-doesnotexist');
    const foreign = await broker.as('bob').get(`/${id}`);
    expect(unknown.status).toBe(foreign.status);
    // Word for word, but for the id each names.
    expect({ ...unknown.body, message: unknown.body.message.replace('uploads-doesnotexist', 'ID') }).toEqual({ ...foreign.body, message: foreign.body.message.replace(id, 'ID') });
  });

  it('the owner and an admin of the tenant get past the ownership check on every per-upload route', async () => {
    // The control for the 404s above: the same calls by someone allowed answer what the upload's state gives
    // (a pending direct upload: no parts to sign, nothing in the store yet, nothing to read). Not DELETE: it would abort.
    const expected: Record<string, number> = { 'GET /:id': 200, 'PATCH /:id': 400, 'GET /:id/edit': 400, 'PUT /:id': 422, 'GET /:id/url': 409 };
    for (const user of ['alice', 'admin'] as const) {
      for (const [name, call] of routes()) {
        if (name === 'DELETE /:id') continue;
        const res = await call(broker.as(user));
        expect(res.status, `${user} ${name}: ${JSON.stringify(res.body)}`).toBe(expected[name]);
      }
    }
  });

  it('no credentials, or bad ones, get 401 on every route', async () => {
    for (const headers of [{}, { 'X-API-Key': 'not-a-key' }, { Authorization: 'Bearer not.a.jwt' }]) {
      const anonymous = broker.withHeaders(headers);
      for (const [name, call] of routes()) {
        const res = await call(anonymous);
        expect(res.status, name).toBe(401);
        expect(res.body.error).toBe('unauthenticated');
      }
      expect((await anonymous.get('/')).status).toBe(401);
      expect((await anonymous.get('/new?file_name=a.txt&file_size=1')).status).toBe(401);
      expect((await anonymous.post('/', { file_name: 'a', file_size: 1, file_id: md5b64(bytes) })).status).toBe(401);
    }
  });

  it('an admin of the same tenant may act on the upload', async () => {
    const res = await broker.as('admin').get(`/${id}`);
    expect(res.status).toBe(200);
    expect(res.body.uploaded_by).toBe('alice');
  });

  it('the upload token acts on its own upload only, and cannot create or list', async () => {
    const device = broker.withHeaders({ 'X-Upload-Token': token });
    const own = await device.get(`/${id}`);
    expect(own.status).toBe(200);
    expect(own.body.id).toBe(id);
    const other = await broker.as('alice').create(testBytes(10), { file_name: 'other.txt' });
    expect((await device.get(`/${other.upload_id}`)).status).toBe(404);
    expect((await broker.withHeaders({ 'X-Upload-Token': 'forged' }).get(`/${id}`)).status).toBe(404);
    const create = await device.post('/', { file_name: 'x.txt', file_size: 1, file_id: md5b64(bytes) });
    expect(create.status).toBe(403);
    expect(create.body.error).toBe('forbidden');
    expect((await device.get('/')).status).toBe(403);
    expect((await device.get('/new?file_name=x.txt&file_size=1')).status).toBe(403);
  });

  it('the upload token lapses once its upload is complete', async () => {
    const alice = broker.as('alice');
    const bytes = testBytes(77);
    const created = await alice.create(bytes, { file_name: 'device.txt' });
    const device = broker.withHeaders({ 'X-Upload-Token': created.upload_token });
    expect((await sendSigned(created.signature, bytes)).status).toBeLessThan(300);
    expect((await device.put(`/${created.upload_id}`)).status).toBe(200);
    expect((await device.get(`/${created.upload_id}`)).status).toBe(404);
    expect((await device.delete(`/${created.upload_id}`)).status).toBe(404);
    expect((await alice.get(`/${created.upload_id}`)).body.state).toBe('complete');
  });

  it('object keys are chosen by the broker: tenant prefix, random name, no client path', async () => {
    const created = await broker.as('alice').create(testBytes(20), { file_name: '../../etc/passwd.txt', file_path: '/home/alice/../../x' });
    const res = await broker.as('alice').get(`/${created.upload_id}`);
    expect(res.body.file_name).toBe('passwd.txt');
    expect(res.body.object_key).toMatch(/^acme\/[0-9a-f]{32}\.txt$/);
  });
});
