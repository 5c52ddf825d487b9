// API v1's OpenAPI 3.1 document: served without credentials, valid by a
// well-kept validator (@seriousme/openapi-schema-validator), its JSON Schemas
// compile as JSON Schema 2020-12 (OpenAPI 3.1's dialect), and its paths are
// exactly the routes the express app mounts under /api/v1 — found by walking the
// app's router, not by reading the route table the document was built from.
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBroker, freshStores, storageConfigs, USERS, type TestBroker } from '../support/broker.js';
import { V1 } from '../support/v1-driver.js';

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
  rawPath?: unknown;
  handle: { stack?: RouteLayer[] };
}

interface Operation {
  parameters?: Array<{ name: string; in: string; schema?: object }>;
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}
type Document = { openapi: string; servers: Array<{ url: string }>; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, object> } };

const addFormats = addFormatsPlugin as unknown as (ajv: Ajv2020) => Ajv2020;

/** "METHOD /path" of every route the app mounts under `base`, paths in OpenAPI's {name} form. */
function mountedRoutes(broker: TestBroker, base: string): string[] {
  const appStack = (broker.app as unknown as { router: { stack: RouteLayer[] } }).router.stack;
  // The routers mounted at the base (CORS is a plain middleware beside them).
  const mounts = appStack.filter((layer) => layer.rawPath === base && !layer.route && layer.handle.stack !== undefined);
  expect(mounts).toHaveLength(1);
  const routes = mounts.flatMap((mount) => mount.handle.stack ?? []).flatMap((layer) => (layer.route ? [layer.route] : []));
  return routes.flatMap((route) => Object.keys(route.methods).filter((m) => route.methods[m]).map((method) => `${method.toUpperCase()} ${route.path.replace(/:(\w+)/g, '{$1}')}`));
}

function documentedRoutes(document: Document): string[] {
  return Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
}

describe('API v1 OpenAPI document', () => {
  let broker: TestBroker;
  let document: Document;
  beforeAll(async () => {
    broker = buildBroker({ storages: storageConfigs(await freshStores()) });
    const res = await request(broker.app).get(`${V1}/openapi.json`);
    expect(res.status).toBe(200);
    document = res.body as Document;
  });

  it('is served without credentials, as JSON, the same with them', async () => {
    const res = await request(broker.app).get(`${V1}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ openapi: expect.stringMatching(/^3\.1\./), servers: [{ url: V1 }] });
    const authenticated = await request(broker.app).get(`${V1}/openapi.json`).set('X-API-Key', USERS.alice.key);
    expect(authenticated.body).toEqual(res.body);
    // Every other route still wants credentials.
    expect((await request(broker.app).get(`${V1}/uploads/x`)).status).toBe(401);
  });

  it('validates as OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document) as Record<string, unknown>);
    expect(result.errors, JSON.stringify(result.errors, null, 2)).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    // The validator sees only the document's shape; it must also fail on a broken one.
    const broken = structuredClone(document) as unknown as Record<string, unknown>;
    broken['paths'] = { 'no-leading-slash': { get: { responses: 'none' } } };
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('its schemas compile as JSON Schema 2020-12, the dialect of OpenAPI 3.1', () => {
    // strictRequired is ajv's style rule, not JSON Schema: GET /uploads/{id}'s 200 requires id
    // and state without listing properties, which is valid.
    const ajv = addFormats(new Ajv2020({ strict: true, strictRequired: false, allErrors: true }));
    for (const [name, schema] of Object.entries(document.components.schemas)) ajv.addSchema(schema, `urn:signpost:schemas:${name}`);
    const schemas: Array<[string, object]> = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const p of operation.parameters ?? []) if (p.schema) schemas.push([`${method} ${path} ${p.in} ${p.name}`, p.schema]);
        for (const media of Object.values(operation.requestBody?.content ?? {})) schemas.push([`${method} ${path} body`, media.schema]);
        for (const [status, answer] of Object.entries(operation.responses)) {
          for (const media of Object.values(answer.content ?? {})) schemas.push([`${method} ${path} ${status}`, media.schema]);
        }
      }
    }
    expect(schemas.length).toBeGreaterThan(20);
    for (const [where, schema] of schemas) {
      const resolvable = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"urn:signpost:schemas:')) as object;
      expect(() => ajv.compile(resolvable), where).not.toThrow();
    }
  });

  it('describes exactly the routes mounted under /api/v1, each with its method', () => {
    const mounted = mountedRoutes(broker, V1);
    expect(mounted).toContain('GET /openapi.json');
    expect(mounted.length).toBeGreaterThanOrEqual(15);
    expect(new Set(mounted).size).toBe(mounted.length);
    expect(documentedRoutes(document).sort()).toEqual([...mounted].sort());
    const served = mounted;
    for (const route of ['POST /uploads', 'POST /uploads/{id}/parts', 'POST /uploads/{id}/complete', 'GET /uploads/{id}/status', 'GET /uploads/{id}', 'POST /uploads/{id}/destroy', 'DELETE /uploads/{id}', 'GET /blobs/{digest}', 'HEAD /blobs/{digest}', 'POST /upload-sessions', 'PUT /upload-sessions/{sid}/blobs/{sha256}', 'GET /upload-sessions/{sid}', 'POST /upload-sessions/{sid}/complete']) {
      expect(served).toContain(route);
    }
  });

  it('names every path parameter of every operation', () => {
    for (const [path, operations] of Object.entries(document.paths)) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, operation] of Object.entries(operations)) {
        const declared = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
        expect(declared.sort(), `${method} ${path}`).toEqual([...inPath].sort());
      }
    }
  });
});
