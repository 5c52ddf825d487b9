// The requests the route fuzzer sends, as fast-check arbitraries: one per route of every
// protocol mounted (PlaceOS's uploads API, Uppy Companion's S3 protocol), each built from the
// route's request schemas and beyond them. Requests are abstract ("the chunked S3 fixture",
// "alice") so fast-check can shrink them; fuzz-routes.test.ts resolves them to bytes.
import fc from 'fast-check';
import * as placeosSchemas from '../../schemas/placeos/requests.js';
import * as companionSchemas from '../../schemas/companion/requests.js';
import { FIXTURE_NAMES, type FixtureName } from './fuzz-fixtures.js';
import { aroundSchema, badPercent, encodeSegment, hostileString, hostileValue, md5Spellings, randomToken, randomUploadId, type Hints, type Schema } from './fuzz-values.js';
import { MiB } from './protocol-driver.js';

export type Who = 'alice' | 'bob' | 'carol' | 'admin' | 'none' | 'uploadToken' | 'otherUploadToken' | { apiKey: string } | { bearer: string };
export type Target = { fixture: FixtureName } | { carol: true } | { raw: string };
export type Body = { json: unknown } | { bytes: Uint8Array; contentType: string } | { none: true };

export interface Generated {
  route: string;
  method: string;
  who: Who;
  target?: Target;
  /** Uppy: the endpoint token, the part number segment. */
  token?: 'alice' | 'bob' | { raw: string };
  partNumber?: string;
  query?: unknown;
  rawQuery: string[];
  body: Body;
  contentEncoding?: string;
}

const sane = (value: string) => value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?').slice(0, 4_000);

export const who: fc.Arbitrary<Who> = fc.oneof(
  { weight: 12, arbitrary: fc.constant('alice' as const) },
  { weight: 1, arbitrary: fc.constantFrom('bob' as const, 'carol' as const, 'admin' as const, 'none' as const) },
  { weight: 2, arbitrary: fc.constantFrom('uploadToken' as const, 'otherUploadToken' as const) },
  { weight: 1, arbitrary: hostileString.map((s) => ({ apiKey: sane(s) })) },
  { weight: 1, arbitrary: hostileString.map((s) => ({ bearer: sane(s) })) },
);

const target: fc.Arbitrary<Target> = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...FIXTURE_NAMES).map((fixture) => ({ fixture })) },
  { weight: 1, arbitrary: fc.constant({ carol: true as const }) },
  { weight: 1, arbitrary: randomUploadId.map((s) => ({ raw: encodeSegment(s) })) },
  { weight: 1, arbitrary: badPercent.map((raw) => ({ raw })) },
  // Past Node's 16 KiB limit on the request line: refused by the HTTP parser, before express.
  { weight: 1, arbitrary: fc.integer({ min: 17_000, max: 40_000 }).map((n) => ({ raw: 'u'.repeat(n) })) },
);

export const rawQuery = fc.array(
  fc.oneof(badPercent.map((b) => `file_id=${b}`), badPercent.map((b) => `part=${b}`), badPercent.map((b) => `${b}=1`), fc.constantFrom('a[b]=1', 'part[]=1', 'key[x]=y', '&&', '=', 'key', 'part=1&part=2')),
  { maxLength: 2 },
);

export function body(schema?: Schema, hints: Hints = {}): fc.Arbitrary<Body> {
  const json = schema ? aroundSchema(schema, hints) : hostileValue;
  return fc.oneof(
    { weight: schema ? 10 : 2, arbitrary: json.map((value) => ({ json: value })) },
    { weight: 1, arbitrary: fc.constant({ none: true as const }) },
    { weight: 1, arbitrary: fc.tuple(fc.uint8Array({ maxLength: 200 }), fc.constantFrom('application/json', 'application/merge-patch+json', 'text/plain', 'application/x-www-form-urlencoded', '')).map(([bytes, contentType]) => ({ bytes, contentType })) },
    { weight: 1, arbitrary: fc.constantFrom('{', '{"a":', '[1,2', '{"__proto__":{"admin":true}}', '"text"', '1e999', 'null', '{"part_list":[1,2,3]', '\uFEFF{}').map((text) => ({ bytes: Buffer.from(text), contentType: 'application/json' })) },
  );
}

export const contentEncoding = fc.option(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown', 'gzip, gzip'), { freq: 12, nil: undefined });

// ---- the routes: every one mounted today, with the schema of its query and body ----

const FILE_NAMES = fc.oneof(fc.constantFrom('a.txt', 'video.mp4', 'big.bin', 'noext', '.hidden', 'a.TXT', `${'n'.repeat(300)}.txt`, 'x.exe', 'dir/file.txt'), fc.string({ maxLength: 30 }));

function placeosHints(): Hints {
  return {
    file_id: md5Spellings,
    md5: md5Spellings,
    md5_hex: md5Spellings,
    file_name: FILE_NAMES,
    filename: FILE_NAMES,
    file_size: fc.oneof(fc.constantFrom(0, 1, 17, 5 * MiB, 5 * MiB + 1, 12 * MiB, 6 * 1024 ** 4), fc.integer({ min: 0, max: 20 * MiB }), fc.constantFrom('12', '0012', '5242881')),
    storage_id: fc.constantFrom('s3', 'azure', 'nope', 'S3'),
    part: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constantFrom('finish' as const, '1', '2', 3)),
    part_list: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 4 }),
    resumable_id: fc.oneof(fc.constant('$fixture'), fc.string({ minLength: 1, maxLength: 20 })),
    expiry: fc.oneof(fc.double({ min: 0.001, max: 100_000, noNaN: true }), fc.constant(1)),
  };
}

const uppyHints: Hints = {
  filename: FILE_NAMES,
  type: fc.constantFrom('', 'text/plain', 'application/octet-stream', 'image/png', 'video/mp4'),
  key: fc.oneof({ weight: 6, arbitrary: fc.constant('$fixture') }, { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) }),
  PartNumber: fc.integer({ min: 1, max: 3 }),
  ETag: fc.oneof(fc.constant('$fixture'), md5Spellings, fc.string({ minLength: 1, maxLength: 40 })),
  storage_id: fc.constantFrom('s3', 'azure', 'nope'),
  ttl_seconds: fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.constantFrom(0, -1, 1.5)),
};

function placeosRoute(name: string, method: string, withId: boolean, query?: Schema, bodySchema?: Schema): [string, fc.Arbitrary<Generated>] {
  const hints = placeosHints();
  return [name, fc.record({
    route: fc.constant(name),
    method: fc.constant(method),
    who,
    ...(withId ? { target } : {}),
    query: query ? aroundSchema(query, hints) : fc.option(fc.dictionary(fc.string({ maxLength: 8 }), hostileString, { maxKeys: 2 }), { nil: undefined }),
    rawQuery,
    body: bodySchema ? body(bodySchema, hints) : fc.oneof({ weight: 4, arbitrary: fc.constant({ none: true as const }) }, { weight: 1, arbitrary: body() }),
    contentEncoding,
  }).map((g) => g as Generated)];
}

const uppyToken = fc.oneof({ weight: 10, arbitrary: fc.constant('alice' as const) }, { weight: 1, arbitrary: fc.constant('bob' as const) }, { weight: 1, arbitrary: fc.oneof(randomToken.map(encodeSegment), badPercent).map((raw) => ({ raw })) });
const uppyTarget: fc.Arbitrary<Target> = fc.oneof({ weight: 8, arbitrary: fc.constant({ fixture: 'uppy' as const }) }, { weight: 1, arbitrary: target });
const partNumber = fc.oneof(fc.integer({ min: 1, max: 4 }).map(String), fc.constantFrom('0', '10001', '-1', '1.5', '1e3', 'one', '01', ''), badPercent);

function uppyRoute(name: string, method: string, shape: { id?: boolean; part?: boolean; query?: Schema; body?: Schema; mint?: boolean }): [string, fc.Arbitrary<Generated>] {
  return [name, fc.record({
    route: fc.constant(name),
    method: fc.constant(method),
    who: shape.mint ? who : fc.constant('none' as const),
    ...(shape.mint ? {} : { token: uppyToken }),
    ...(shape.id ? { target: uppyTarget } : {}),
    ...(shape.part ? { partNumber } : {}),
    query: shape.query ? aroundSchema(shape.query, uppyHints) : fc.constant(undefined),
    rawQuery,
    body: shape.body ? body(shape.body, uppyHints) : fc.oneof({ weight: 4, arbitrary: fc.constant({ none: true as const }) }, { weight: 1, arbitrary: body() }),
    contentEncoding,
  }).map((g) => g as Generated)];
}

export const ROUTES: Array<[string, fc.Arbitrary<Generated>, number]> = [
  [...placeosRoute('GET /new', 'GET', false, placeosSchemas.newUploadQuery as Schema), 100],
  [...placeosRoute('POST /', 'POST', false, undefined, placeosSchemas.createUploadBody as Schema), 150],
  [...placeosRoute('GET /', 'GET', false, placeosSchemas.listQuery as Schema), 80],
  [...placeosRoute('PATCH /:id', 'PATCH', true, placeosSchemas.partQuery as Schema, placeosSchemas.updateUploadBody as Schema), 250],
  [...placeosRoute('GET /:id/edit', 'GET', true, placeosSchemas.partQuery as Schema), 120],
  [...placeosRoute('GET /:id/url', 'GET', true, placeosSchemas.urlQuery as Schema), 80],
  [...placeosRoute('PUT /:id', 'PUT', true), 100],
  [...placeosRoute('GET /:id', 'GET', true), 60],
  [...placeosRoute('DELETE /:id', 'DELETE', true), 60],
  [...uppyRoute('POST /uppy/tokens', 'POST', { mint: true, body: companionSchemas.mintTokenBody as Schema }), 80],
  [...uppyRoute('GET /s3/params', 'GET', { query: companionSchemas.paramsQuery as Schema }), 80],
  [...uppyRoute('POST /s3/multipart', 'POST', { body: companionSchemas.createMultipartBody as Schema }), 80],
  [...uppyRoute('GET /s3/multipart/:uploadId/:partNumber', 'GET', { id: true, part: true, query: companionSchemas.keyQuery as Schema }), 120],
  [...uppyRoute('GET /s3/multipart/:uploadId', 'GET', { id: true, query: companionSchemas.keyQuery as Schema }), 80],
  [...uppyRoute('POST /s3/multipart/:uploadId/complete', 'POST', { id: true, query: companionSchemas.keyQuery as Schema, body: companionSchemas.completeBody as Schema }), 150],
  [...uppyRoute('DELETE /s3/multipart/:uploadId', 'DELETE', { id: true, query: companionSchemas.keyQuery as Schema }), 60],
];

/** Routes that create uploads: a refusal there must not have created one. */
export const CREATING_ROUTES = ['POST /', 'GET /s3/params', 'POST /s3/multipart'];
