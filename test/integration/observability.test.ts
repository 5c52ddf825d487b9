// What operators watch: /healthz, /readyz (the state store and every store, with
// the reason when one does not answer) and Prometheus metrics by route pattern.
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/servers/ports.js';
import { buildBroker, freshStores, storageConfigs, type TestStores } from '../support/broker.js';
import { testBytes } from '../support/protocol-driver.js';

describe('health, readiness and metrics', () => {
  let stores: TestStores;
  beforeAll(async () => {
    stores = await freshStores();
  });

  it('/healthz answers; /readyz is 200 when the state store and every store answer', async () => {
    const broker = buildBroker({ storages: storageConfigs(stores) });
    expect((await request(broker.app).get('/healthz')).body).toEqual({ ok: true });
    const ready = await request(broker.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ ready: true, checks: { state: 'ok', 'storage:s3': 'ok', 'storage:azure': 'ok' } });
  });

  it('finds the three paths as a router would (any case, a trailing slash), and only them', async () => {
    const broker = buildBroker({ storages: storageConfigs(stores) });
    for (const path of ['/HEALTHZ', '/healthz/', '/Metrics']) expect((await request(broker.app).get(path)).status, path).toBe(200);
    for (const path of ['/healthzz', '/healthz//', '/readyz/x']) expect((await request(broker.app).get(path)).status, path).toBe(404);
    expect((await request(broker.app).post('/healthz')).status).toBe(404);
    expect((await request(broker.app).head('/healthz')).status).toBe(200);
    const text = (await request(broker.app).get('/metrics')).text;
    expect(text).toMatch(/signpost_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} 2/);
  });

  it('/readyz is 503 naming the store that does not answer', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const broker = buildBroker({ storages: storageConfigs({ s3: { ...stores.s3, endpoint: closed }, azure: stores.azure }) });
    const answer = await request(broker.app).get('/readyz');
    expect(answer.status).toBe(503);
    expect(answer.body.ready).toBe(false);
    expect(answer.body.checks).toMatchObject({ state: 'ok', 'storage:azure': 'ok', 'storage:s3': expect.stringMatching(/unreachable|did not answer/) });
  });

  it('/metrics counts requests by route pattern and status (no ids in labels) and errors by code', async () => {
    const broker = buildBroker({ storages: storageConfigs(stores) });
    const alice = broker.as('alice');
    const id = await alice.uploadWhole(testBytes(1000));
    expect((await alice.get('/uploads-unknown')).status).toBe(404);
    const metrics = await request(broker.app).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toContain('text/plain');
    const text = metrics.text;
    expect(text).toMatch(/signpost_http_request_duration_seconds_count\{method="PUT",route="\/api\/engine\/v2\/uploads\/:id",status="200"\} 1/);
    expect(text).toMatch(/signpost_http_request_duration_seconds_count\{method="GET",route="\/api\/engine\/v2\/uploads\/:id",status="404"\} 1/);
    expect(text).toMatch(/signpost_errors_total\{code="not_found"\} 1/);
    expect(text).not.toContain(id);
    expect(text).toMatch(/signpost_process_cpu_seconds_total/);
  });

  it('/metrics counts uploads by what happened to them: created, completed, aborted', async () => {
    const broker = buildBroker({ storages: storageConfigs(stores) });
    const alice = broker.as('alice');
    await alice.uploadWhole(testBytes(1000));
    await alice.uploadWhole(testBytes(2000));
    const { upload_id: left } = await alice.create(testBytes(3000));
    expect((await alice.delete(`/${left}`)).status).toBeLessThan(300);
    const text = (await request(broker.app).get('/metrics')).text;
    expect(text).toMatch(/signpost_upload_events_total\{event="created"\} 3/);
    expect(text).toMatch(/signpost_upload_events_total\{event="completed"\} 2/);
    expect(text).toMatch(/signpost_upload_events_total\{event="aborted"\} 1/);
  });
});
