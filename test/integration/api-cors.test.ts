// CORS for the broker's own APIs (PlaceOS and v1): a frontend on a configured
// origin can call them — its preflight passes before authentication, and the
// answer's headers it needs are exposed — and any other origin gets nothing.
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBroker, freshStores, storageConfigs, USERS, type TestBroker } from '../support/broker.js';

const APP = 'https://app.example';

describe('CORS on the broker’s own APIs', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = buildBroker({ storages: storageConfigs(await freshStores()), corsOrigins: [APP] });
  });

  it.each([
    ['PlaceOS create', '/api/engine/v2/uploads/', 'POST'],
    ['PlaceOS PATCH', '/api/engine/v2/uploads/uploads-x', 'PATCH'],
    ['v1 initiate', '/api/v1/uploads', 'POST'],
    ['v1 destroy', '/api/v1/uploads/uploads-x', 'DELETE'],
  ])('%s: the preflight from a configured origin passes (no credentials needed), another origin gets no grant', async (_name, path, method) => {
    const allowed = await request(broker.app).options(path).set('Origin', APP).set('Access-Control-Request-Method', method).set('Access-Control-Request-Headers', 'authorization,content-type');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(APP);
    expect(allowed.headers['access-control-allow-methods']).toContain(method);
    expect(allowed.headers['access-control-allow-headers']?.toLowerCase()).toContain('authorization');
    const stranger = await request(broker.app).options(path).set('Origin', 'https://evil.example').set('Access-Control-Request-Method', method);
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers carry the grant and expose the headers a frontend reads (paging, Upload-ID); refusals too', async () => {
    const listed = await request(broker.app).get('/api/engine/v2/uploads/').set('Origin', APP).set('X-API-Key', USERS.alice.key);
    expect(listed.status).toBe(200);
    expect(listed.headers['access-control-allow-origin']).toBe(APP);
    expect(listed.headers['access-control-expose-headers']).toContain('X-Total-Count');
    const created = await request(broker.app).post('/api/v1/uploads').set('Origin', APP).set('X-API-Key', USERS.alice.key).send({ filename: 'a.bin', size: 10 });
    expect(created.status).toBe(202);
    expect(created.headers['access-control-expose-headers']).toContain('Upload-ID');
    const refused = await request(broker.app).get('/api/v1/uploads/uploads-x').set('Origin', APP);
    expect(refused.status).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBe(APP);
  });
});
