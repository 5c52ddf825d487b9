// The OpenAPI 3.1 document of API v1, built from the route table and the
// request schemas in schemas/v1 — the same data the router validates with.
import { uploadEventBody } from '../../../schemas/events/upload-event.js';
import { V1_ROUTES, ERROR_SCHEMA, type V1Route } from './routes-table.js';

const ERROR_RESPONSES: Record<string, string> = {
  '400': 'Bad input', '401': 'No or bad credentials', '403': 'Not allowed', '404': 'Unknown, or not yours', '409': 'State conflict',
  '410': 'Expired', '413': 'Too large, or over the tenant\'s byte quota (quota_exceeded)', '422': 'Verification failed',
  '429': 'Too many requests (rate_limited) or unfinished uploads (too_many_uploads); Retry-After says when to try again', '502': 'The store failed', '503': 'Store or Redis unavailable (Retry-After)', '504': 'The store timed out',
};

/** JSON Schema as OpenAPI wants it inline: no $id (ajv's registry name). */
function inline(schema: object): object {
  const { $id: _id, ...rest } = schema as { $id?: string };
  return rest;
}

function parameters(route: V1Route): object[] {
  const inPath = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1] as string);
  const paramSchemas = (route.params as { properties?: Record<string, object> } | undefined)?.properties ?? {};
  const path = inPath.map((name) => ({ name, in: 'path', required: true, schema: paramSchemas[name] ?? { type: 'string' } }));
  const query = Object.entries((route.query as { properties?: Record<string, object> } | undefined)?.properties ?? {}).map(([name, schema]) => ({ name, in: 'query', required: false, schema }));
  return [...path, ...query];
}

function operation(route: V1Route): object {
  const responses: Record<string, object> = {};
  for (const [status, answer] of Object.entries(route.responses)) {
    responses[status] = {
      description: answer.description,
      ...(answer.headers ? { headers: Object.fromEntries(answer.headers.map((h) => [h, { schema: { type: 'string' } }])) } : {}),
      ...(answer.json ? { content: { 'application/json': { schema: answer.json } } } : {}),
    };
  }
  for (const [status, description] of Object.entries(ERROR_RESPONSES)) {
    responses[status] = { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  }
  const security = [{ bearer: [] }, { apiKey: [] }, ...(route.uploadToken ? [{ uploadToken: [] }] : [])];
  return {
    summary: route.summary,
    operationId: `${route.method}${route.path.replace(/[/:-](\w)/g, (_m, c: string) => c.toUpperCase())}`,
    parameters: parameters(route),
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: inline(route.body) } } } } : {}),
    responses,
    security,
  };
}

export function openApiDocument(basePath: string): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of V1_ROUTES) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [route.method]: operation(route) };
  }
  paths['/openapi.json'] = { get: { summary: 'This document', operationId: 'getOpenApi', security: [], responses: { '200': { description: 'The OpenAPI 3.1 document of API v1', content: { 'application/json': { schema: { type: 'object' } } } } } } };
  return {
    openapi: '3.1.0',
    info: { title: 'Signpost API v1', version: '1.0.0', description: 'Direct-to-store uploads addressed by SHA-256: the bytes go to the store with signed requests, never through the broker.' },
    servers: [{ url: basePath }],
    paths,
    // What the broker POSTs to the endpoints in its config (README "Webhooks"), whichever API made the change.
    webhooks: {
      uploadEvent: {
        post: {
          summary: 'An upload was created, completed, aborted or expired',
          operationId: 'uploadEvent',
          parameters: ['Signpost-Signature', 'Signpost-Event-Id', 'Signpost-Event-Type', 'Signpost-Delivery-Attempt'].map((name) => ({ name, in: 'header', required: true, schema: { type: 'string' } })),
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/UploadEvent' } } } },
          responses: { '200': { description: 'Any 2xx: delivered. Anything else, a redirect or no answer in time: tried again later' } },
        },
      },
    },
    components: {
      schemas: { Error: ERROR_SCHEMA, UploadEvent: inline(uploadEventBody) },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        uploadToken: { type: 'apiKey', in: 'header', name: 'X-Upload-Token', description: 'One upload’s or one session’s token (Upload-Token also accepted)' },
      },
    },
  };
}
