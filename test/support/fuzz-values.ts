// Generated request values for the route fuzzer: values a request schema allows (so
// requests get past validation into the domain), values just beyond it, and values no
// schema would think of (wrong types, huge strings, odd unicode, bad percent-encoding).
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';

/** The subset of JSON Schema the request schemas use (schemas/placeos, schemas/companion). */
export interface Schema {
  type?: string;
  const?: unknown;
  enum?: readonly unknown[];
  anyOf?: readonly Schema[];
  properties?: Readonly<Record<string, Schema>>;
  required?: readonly string[];
  patternProperties?: Readonly<Record<string, Schema>>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
}

/** Field names whose plain schema ("a string") says too little to reach past validation. */
export type Hints = Record<string, fc.Arbitrary<unknown>>;

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest();
const someMd5 = fc.uint8Array({ minLength: 0, maxLength: 32 }).map(md5);

/** MD5s as clients spell them, and as they should not: base64, hex, non-canonical base64, wrong length. */
export const md5Spellings: fc.Arbitrary<string> = fc.oneof(
  someMd5.map((d) => d.toString('base64')),
  someMd5.map((d) => d.toString('hex')),
  someMd5.map((d) => d.toString('hex').toUpperCase()),
  // Non-zero pad bits: decodes to the same 16 bytes, but is not the canonical spelling.
  someMd5.map((d) => {
    const b64 = d.toString('base64');
    const index = BASE64.indexOf(b64[21] ?? 'A');
    return `${b64.slice(0, 21)}${BASE64[index | 1] ?? 'B'}==`;
  }),
  someMd5.map((d) => d.toString('base64url')),
  fc.uint8Array({ minLength: 1, maxLength: 20 }).map((b) => Buffer.from(b).toString('base64')),
  fc.constantFrom('1B2M2Y8AsgTpgAmY7PhCfg==', 'd41d8cd98f00b204e9800998ecf8427e', '', '=', '===='),
);

/** Strings a schema never asked for. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '', ' ', '\u0000', 'a\u0000b', '\uD800', '\uDFFF', 'x\uDBFF', '\u202Eevil.exe', '\uFEFF', 'ｆｕｌｌｗｉｄｔｈ', 'e\u0301', '🙂'.repeat(300),
    '../../etc/passwd', '..', '.', '/', '%00', '%', '%ZZ', '%E0%A4%A', '%C0%AF', '\r\nX-Injected: 1', '<script>alert(1)</script>',
    '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '[object Object]', 'null', 'undefined', 'true',
    '-1', '0', '1e309', '-0', 'NaN', 'Infinity', '0x10', '1_000', ' 1', '1 ', '00001', '9007199254740993', '99999999999999999999',
  ),
  // Huge: far past every maxLength (bodies take them; query strings are kept shorter by the caller).
  fc.integer({ min: 1_000, max: 200_000 }).map((n) => 'a'.repeat(n)),
);

const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, -1, 0.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, 2 ** 53 * 4, 50_001, 10_001, 4294967296),
);

/** Any value a JSON body can carry, mostly of the wrong kind. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
  fc.array(hostileNumber, { maxLength: 5 }),
  fc.constant(Array.from({ length: 60_000 }, (_, i) => i + 1)),
  fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'a', ''), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
);

function integerIn(min: number, max: number): fc.Arbitrary<number> {
  const small = Math.min(max, min + 8);
  return fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min, max: small }) },
    { weight: 1, arbitrary: fc.constantFrom(min, max) },
    { weight: 1, arbitrary: fc.maxSafeNat().map((n) => min + (n % (max - min + 1))) },
  );
}

/** Values the schema allows (field hints first, by property name). */
export function fromSchema(schema: Schema, hints: Hints = {}, name?: string): fc.Arbitrary<unknown> {
  const hint = name === undefined ? undefined : hints[name];
  if (hint) return hint;
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => fromSchema(s, hints)));
  switch (schema.type) {
    case 'string':
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 24, 24) });
    case 'integer':
      return integerIn(schema.minimum ?? -1000, Math.min(schema.maximum ?? 1_000_000, Number.MAX_SAFE_INTEGER));
    case 'number': {
      const min = schema.exclusiveMinimum ?? schema.minimum ?? -1e6;
      return fc.double({ min, max: schema.maximum ?? 1e6, noNaN: true, minExcluded: schema.exclusiveMinimum !== undefined });
    }
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(fromSchema(schema.items ?? {}, hints), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 4, 4) });
    case 'object':
      return objectFrom(schema, hints);
    default:
      return fc.jsonValue({ maxDepth: 1 });
  }
}

function objectFrom(schema: Schema, hints: Hints): fc.Arbitrary<Record<string, unknown>> {
  const properties = Object.fromEntries(Object.entries(schema.properties ?? {}).map(([key, s]) => [key, fromSchema(s, hints, key)]));
  const known = fc.record(properties, { requiredKeys: [...(schema.required ?? [])] as never[] });
  const patterned = Object.entries(schema.patternProperties ?? {}).map(([pattern, s]) => fc.dictionary(fc.stringMatching(new RegExp(pattern)), fromSchema(s, hints), { maxKeys: 2 }));
  const free = typeof schema.additionalProperties === 'object' ? [fc.dictionary(fc.string({ maxLength: 8 }), fromSchema(schema.additionalProperties, hints), { maxKeys: 2 })] : [];
  return fc.tuple(known, ...patterned, ...free).map((parts) => Object.assign({}, ...parts) as Record<string, unknown>);
}

/**
 * The schema's values, and values beyond it: one field swapped for a hostile value, a
 * required field dropped, an unknown field added, or no object at all.
 */
export function aroundSchema(schema: Schema, hints: Hints = {}): fc.Arbitrary<unknown> {
  const valid = fromSchema(schema, hints);
  const fields = [...Object.keys(schema.properties ?? {}), 'unknown_field', '__proto__'];
  const swapped = fc.tuple(valid, fc.constantFrom(...fields), hostileValue).map(([value, field, bad]) => (isObject(value) ? { ...value, [field]: bad } : value));
  const dropped = fc.tuple(valid, fc.constantFrom(...fields)).map(([value, field]) => {
    if (!isObject(value)) return value;
    const { [field]: _gone, ...rest } = value;
    return rest;
  });
  return fc.oneof(
    { weight: 5, arbitrary: valid },
    { weight: 4, arbitrary: swapped },
    { weight: 2, arbitrary: dropped },
    { weight: 1, arbitrary: hostileValue },
  );
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Percent-encoding a client cannot produce from a string (the server's decoder must refuse it). */
export const badPercent = fc.constantFrom('%', '%Z', '%ZZ', '%E0%A4%A', '%C3%28', '%ED%A0%80', '%FF', 'a%', '%%', '%2', '%u0041');

/** One path segment: percent-encoded text, or raw bytes of bad percent-encoding. */
export function encodeSegment(text: string): string {
  // A lone surrogate has no UTF-8: send the bytes a sloppy client would (CESU-8), which no decoder accepts.
  return [...text].map((c) => {
    try {
      return encodeURIComponent(c);
    } catch {
      return '%ED%A0%80';
    }
  }).join('');
}

/** A query string from a value: scalars as k=v, arrays as repeated keys, objects as k[sub]=v; sometimes raw bad encodings. */
export function toQuery(value: unknown, extraRaw: string[] = []): string {
  const pairs: string[] = [];
  const add = (key: string, v: unknown) => {
    if (Array.isArray(v)) v.slice(0, 5).forEach((item) => add(key, item));
    else if (isObject(v)) Object.entries(v).slice(0, 5).forEach(([sub, item]) => add(`${key}[${sub}]`, item));
    else pairs.push(`${encodeSegment(key)}=${encodeSegment(String(v))}`);
  };
  if (isObject(value)) for (const [key, v] of Object.entries(value)) add(key, v);
  else if (value !== undefined) pairs.push(encodeSegment(String(value)));
  const query = [...pairs, ...extraRaw].join('&');
  // Node's parser refuses a request line over 16 KiB with a bare 431: keep the line under it.
  return query.length > 8_000 ? query.slice(0, 8_000) : query;
}

export const randomUploadId = fc.oneof(
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => `uploads-${Buffer.from(b).toString('base64url')}`),
  fc.string({ maxLength: 30 }),
  hostileString.map((s) => s.slice(0, 2_000)),
);

export const randomToken = fc.oneof(fc.string({ maxLength: 60 }), fc.constant(randomBytes(40).toString('base64url')));
