// Signpost's own API v1 (seeds 000–002): digest-addressed uploads, batch part
// signing, upload sessions. Data for ajv and for the OpenAPI document
// (src/protocols/v1/openapi.ts); the TypeScript types are derived from them.
import type { FromSchema } from 'json-schema-to-ts';
import { MIME_PATTERN } from '../common.js';

const SHA256 = { type: 'string', pattern: '^(sha-?256:)?([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$', description: 'SHA-256: hex, base64, or sha256:<hex> / sha-256:<hex>' } as const;
const MIME = { type: 'string', pattern: MIME_PATTERN } as const;
const SIZE = { type: 'integer', minimum: 0, maximum: 9007199254740991 } as const;

export const initiateBody = {
  $id: 'v1/initiate.body',
  title: 'POST /uploads body',
  type: 'object',
  additionalProperties: false,
  required: ['size'],
  properties: {
    filename: { type: 'string', minLength: 1, maxLength: 1024, description: 'also accepted as the filename query parameter' },
    size: SIZE,
    sha256: SHA256,
    content_type: MIME,
    temporary: { type: 'boolean', description: 'also accepted as the temporary query parameter' },
    storage_id: { type: 'string', minLength: 1, maxLength: 64 },
    tags: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 128 } },
    part_size: { type: 'integer', minimum: 1, maximum: 5497558138880, description: "the part size the client wants; checked against the storage's part policy" },
  },
} as const;
export type InitiateBody = FromSchema<typeof initiateBody>;

export const initiateQuery = {
  $id: 'v1/initiate.query',
  type: 'object',
  additionalProperties: false,
  properties: {
    filename: { type: 'string', minLength: 1, maxLength: 1024 },
    temporary: { type: 'boolean' },
  },
} as const;
export type InitiateQuery = FromSchema<typeof initiateQuery>;

export const partsBody = {
  $id: 'v1/parts.body',
  title: 'POST /uploads/:id/parts body: the parts to sign, many at once',
  type: 'object',
  additionalProperties: false,
  required: ['parts'],
  properties: {
    parts: {
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['number'],
        properties: {
          number: { type: 'integer', minimum: 1, maximum: 50000 },
          md5: { type: 'string', maxLength: 64, description: "the part's MD5, base64 (or hex)" },
          sha256: SHA256,
          checksum: { type: 'string', maxLength: 200, pattern: '^[A-Za-z0-9-]+:.+$', description: '<algorithm>:<digest in hex or base64>: md5, sha1, sha256, crc32c (S3) or md5, crc64 (Azure)' },
        },
      },
    },
  },
} as const;
export type PartsBody = FromSchema<typeof partsBody>;

export const completeQuery = {
  $id: 'v1/complete.query',
  type: 'object',
  additionalProperties: false,
  properties: { digest: { ...SHA256, description: "the whole file's SHA-256: sha-256:<hex>" } },
} as const;
export type CompleteQuery = FromSchema<typeof completeQuery>;

export const digestParam = {
  $id: 'v1/digest.param',
  type: 'object',
  required: ['digest'],
  properties: { digest: SHA256 },
} as const;
export type DigestParam = FromSchema<typeof digestParam>;

export const createSessionBody = {
  $id: 'v1/create-session.body',
  title: 'POST /upload-sessions body (seed 002)',
  type: 'object',
  additionalProperties: false,
  required: ['blobs'],
  properties: {
    blobs: {
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['sha256', 'size'],
        properties: {
          sha256: SHA256,
          size: SIZE,
          mime: MIME,
          name: { type: 'string', minLength: 1, maxLength: 1024 },
        },
      },
    },
    temporary: { type: 'boolean' },
    storage_id: { type: 'string', minLength: 1, maxLength: 64 },
  },
} as const;
export type CreateSessionBody = FromSchema<typeof createSessionBody>;

export const sessionBlobParam = {
  $id: 'v1/session-blob.param',
  type: 'object',
  required: ['sha256'],
  properties: { sha256: SHA256 },
} as const;
export type SessionBlobParam = FromSchema<typeof sessionBlobParam>;

export const copyPartBody = {
  $id: 'v1/copy-part.body',
  title: 'POST /uploads/:id/parts/:n/copy body: a part copied from a range of a stored blob (seed 004)',
  type: 'object',
  additionalProperties: false,
  required: ['source', 'range'],
  properties: {
    source: {
      oneOf: [
        { type: 'object', additionalProperties: false, required: ['sha256'], properties: { sha256: SHA256 } },
        { type: 'object', additionalProperties: false, required: ['upload_id'], properties: { upload_id: { type: 'string', minLength: 1, maxLength: 128 } } },
      ],
    },
    range: { type: 'string', maxLength: 64, description: 'bytes=<first>-<last>: one range, both ends, first a multiple of 1 MiB' },
  },
} as const;
export type CopyPartBody = FromSchema<typeof copyPartBody>;

export const partNumberParam = {
  $id: 'v1/part-number.param',
  type: 'object',
  required: ['n'],
  properties: { n: { type: 'integer', minimum: 1, maximum: 50000 } },
} as const;
export type PartNumberParam = FromSchema<typeof partNumberParam>;
