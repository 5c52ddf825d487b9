// The requests the API v1 fuzzer sends, as fast-check arbitraries: one per route of
// V1_ROUTES (so a route added there is fuzzed without a word here), built from the route's own
// schemas — path parameters, query, body — and beyond them, with the credentials, digests,
// sessions and copy sources that reach past validation into the domain. Requests are abstract
// ("the complete fixture's SHA-256") so fast-check can shrink them; fuzz-v1.test.ts resolves them.
import fc from 'fast-check';
import { V1_ROUTES, type V1Route } from '../../src/protocols/v1/routes-table.js';
import { V1_FIXTURE_NAMES, type V1FixtureName } from './fuzz-v1-fixtures.js';
import { body, contentEncoding, rawQuery, who, type Body, type Who } from './fuzz-requests.js';
import { aroundSchema, badPercent, encodeSegment, hostileString, md5Spellings, randomUploadId, type Hints, type Schema } from './fuzz-values.js';
import { MiB } from './protocol-driver.js';

export type V1Target = { fixture: V1FixtureName } | { carol: true } | { raw: string };
/** A SHA-256 in a path: a fixture's (the complete blob, the session's missing one), in some spelling, or anything. */
export type DigestTarget = { of: 'complete' | 'session'; spelling: 'hex' | 'HEX' | 'prefixed' | 'base64' } | { raw: string };

export interface V1Generated {
  route: string;
  method: string;
  who: Who;
  target?: V1Target;
  part?: string;
  digest?: DigestTarget;
  query?: unknown;
  rawQuery: string[];
  body: Body;
  contentEncoding?: string;
  /** Headers a client may add besides credentials and body headers (set after them, so they may override). */
  headers?: Record<string, string>;
}

/** Placeholders in generated values, swapped for today's fixtures when a request is resolved. */
export const COMPLETE_SHA = '$complete-sha256';
export const COMPLETE_ID = '$complete-id';
export const TARGET_ID = '$target-id';

const hex64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
const sha256Value = fc.oneof(
  { weight: 4, arbitrary: fc.constant(COMPLETE_SHA) },
  { weight: 2, arbitrary: hex64 },
  { weight: 1, arbitrary: hex64.map((h) => `sha-256:${h}`) },
  { weight: 1, arbitrary: fc.constantFrom('', 'sha256:', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', `${'0'.repeat(63)}g`, `${'a'.repeat(43)}=`) },
);
const FILE_NAMES = fc.oneof(fc.constantFrom('a.txt', 'video.mp4', 'noext', '.hidden', `${'n'.repeat(300)}.txt`, 'dir/file.txt', '..'), fc.string({ maxLength: 30 }));
const ranges = fc.oneof(
  fc.constantFrom('bytes=0-5242879', 'bytes=0-6291455', 'bytes=1048576-6291455', 'bytes=0-99999999', 'bytes=5-1', 'bytes=0-', 'bytes=-5', 'bytes=0-1,2-3', 'bytes=1-5242880', ''),
  fc.tuple(fc.nat({ max: 8 }), fc.nat({ max: 8 * MiB })).map(([first, last]) => `bytes=${first * MiB}-${last}`),
  hostileString.map((s) => s.slice(0, 80)),
);

const hints: Hints = {
  sha256: sha256Value,
  md5: md5Spellings,
  number: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 50_000, 50_001, 1.5, '1') }),
  size: fc.oneof(fc.constantFrom(0, 1, 20, 64, 5 * MiB, 6 * MiB, 12 * MiB, 6 * 1024 ** 4, 2 ** 53), fc.integer({ min: 0, max: 20 * MiB })),
  filename: FILE_NAMES,
  name: FILE_NAMES,
  storage_id: fc.constantFrom('s3', 'azure', 'nope', 'S3'),
  part_size: fc.oneof(fc.constantFrom(1, 5 * MiB - 1, 5 * MiB, 6 * MiB, 5 * 1024 ** 3 + 1), fc.integer({ min: 1, max: 20 * MiB })),
  digest: sha256Value.map((v) => (v.startsWith('sha') || v.startsWith('$') ? v : `sha-256:${v}`)),
  range: ranges,
  source: fc.oneof(
    fc.constant({ sha256: COMPLETE_SHA }),
    fc.constant({ upload_id: COMPLETE_ID }),
    fc.constant({ upload_id: TARGET_ID }),
    sha256Value.map((sha256) => ({ sha256 })),
    randomUploadId.map((id) => ({ upload_id: id.slice(0, 200) })),
    fc.constant({ sha256: COMPLETE_SHA, upload_id: COMPLETE_ID }),
    fc.constant({}),
  ),
  checksum: fc.constantFrom('md5:1B2M2Y8AsgTpgAmY7PhCfg==', 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'sha1:2jmj7l5rSw0yVb/vlWAYkK/YBwk=', 'crc32c:AAAAAA==', 'crc64:AAAAAAAAAAA=', 'md4:abc', 'md5:', 'md5:zz'),
  content_type: fc.constantFrom('text/plain', 'application/octet-stream', 'image/png', 'video/mp4; codecs="avc1"', 'x', ''),
  mime: fc.constantFrom('text/plain', 'image/png', 'x', ''),
  tags: fc.array(fc.string({ minLength: 1, maxLength: 10 }), { maxLength: 3 }),
};

/** `:id` (an upload), `:sid` (a session): mostly a fixture of the right kind, sometimes anything. */
function targetFor(param: 'id' | 'sid'): fc.Arbitrary<V1Target> {
  const own = param === 'sid' ? fc.constant({ fixture: 'session' as const }) : fc.constantFrom(...V1_FIXTURE_NAMES.filter((n) => n !== 'session')).map((fixture) => ({ fixture }));
  return fc.oneof(
    { weight: 10, arbitrary: own },
    { weight: 1, arbitrary: fc.constantFrom(...V1_FIXTURE_NAMES).map((fixture) => ({ fixture })) },
    { weight: 1, arbitrary: fc.constant({ carol: true as const }) },
    { weight: 1, arbitrary: randomUploadId.map((s) => ({ raw: encodeSegment(s) })) },
    { weight: 1, arbitrary: badPercent.map((raw) => ({ raw })) },
  );
}

const digestTarget: fc.Arbitrary<DigestTarget> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ of: fc.constantFrom('complete' as const, 'session' as const), spelling: fc.constantFrom('hex' as const, 'HEX' as const, 'prefixed' as const, 'base64' as const) }) },
  { weight: 1, arbitrary: hex64.map((raw) => ({ raw })) },
  { weight: 1, arbitrary: fc.oneof(hostileString.map((s) => encodeSegment(s.slice(0, 300))), badPercent).map((raw) => ({ raw })) },
);

// Header values: printable and Latin-1 only (Node refuses others before sending).
const headerValue = fc.oneof(
  hostileString.map((v) => v.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?').slice(0, 2_000)),
  fc.constantFrom('bytes=0-99', 'bytes=-1', '*', 'application/json', 'text/html', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'DELETE', 'https://evil.example', 'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:'),
);
const extraHeaders = fc.option(
  fc.dictionary(fc.constantFrom('Accept', 'Range', 'If-None-Match', 'If-Match', 'Upload-Token', 'X-HTTP-Method-Override', 'Origin', 'Content-Type', 'Digest', 'Repr-Digest', 'Upload-Offset', 'X-Forwarded-For'), headerValue, { maxKeys: 3 }),
  { freq: 3, nil: undefined },
);

const partSegment = fc.oneof(fc.integer({ min: 1, max: 4 }).map(String), fc.constantFrom('0', '50000', '50001', '-1', '1.5', '1e3', 'one', '01', ''), badPercent);

function v1Route(route: V1Route): [string, fc.Arbitrary<V1Generated>] {
  const name = `${route.method.toUpperCase()} ${route.path}`;
  const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
  const idParam = params.find((p): p is 'id' | 'sid' => p === 'id' || p === 'sid');
  return [name, fc.record({
    route: fc.constant(name),
    method: fc.constant(route.method.toUpperCase()),
    who,
    ...(idParam ? { target: targetFor(idParam) } : {}),
    ...(params.includes('n') ? { part: partSegment } : {}),
    ...(params.includes('digest') || params.includes('sha256') ? { digest: digestTarget } : {}),
    query: route.query ? aroundSchema(route.query as Schema, hints) : fc.option(fc.dictionary(fc.string({ maxLength: 8 }), hostileString.map((s) => s.slice(0, 200)), { maxKeys: 2 }), { nil: undefined }),
    rawQuery,
    body: route.body ? body(route.body as Schema, hints) : fc.oneof({ weight: 4, arbitrary: fc.constant({ none: true as const }) }, { weight: 1, arbitrary: body() }),
    contentEncoding,
    headers: extraHeaders,
  }).map((g) => g as V1Generated)];
}

/** Runs per route: the routes that reach furthest into the domain get the most. */
const RUNS: Record<string, number> = { 'POST /uploads': 120, 'POST /uploads/:id/parts': 150, 'POST /uploads/:id/parts/:n/copy': 120, 'POST /uploads/:id/complete': 100, 'POST /upload-sessions': 100, 'PUT /upload-sessions/:sid/blobs/:sha256': 80 };

export const V1_FUZZ_ROUTES: Array<[string, fc.Arbitrary<V1Generated>, number]> = V1_ROUTES.map((route) => {
  const [name, arbitrary] = v1Route(route);
  return [name, arbitrary, RUNS[name] ?? 60];
});

/** Routes that create uploads: a refusal there must not have created one. */
export const V1_CREATING_ROUTES = ['POST /uploads', 'POST /upload-sessions'];
