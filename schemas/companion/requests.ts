// Uppy Companion's S3 protocol, as @uppy/aws-s3 sends it
// (../shared/reference/uppy-s3-protocol.md). Data for ajv; types derived.
import type { FromSchema } from 'json-schema-to-ts';
import { MIME_PATTERN } from '../common.js';


export const mintTokenBody = {
  $id: 'companion/mint-token.body',
  title: 'POST /uppy/tokens body: the token an integrator backend mints for one browser',
  type: 'object',
  additionalProperties: false,
  properties: {
    storage_id: { type: 'string', minLength: 1, maxLength: 64 },
    ttl_seconds: { type: 'integer', minimum: 1, maximum: 86400 },
  },
} as const;
export type MintTokenBody = FromSchema<typeof mintTokenBody>;

export const paramsQuery = {
  $id: 'companion/params.query',
  title: 'GET /s3/params query (Uppy: filename, type, and metadata[<name>] keys)',
  type: 'object',
  required: ['filename'],
  properties: {
    filename: { type: 'string', minLength: 1, maxLength: 1024 },
    type: { anyOf: [{ const: '' }, { type: 'string', pattern: MIME_PATTERN }] },
  },
  patternProperties: { '^metadata\\[[^\\]]{1,128}\\]$': { type: 'string', maxLength: 4096 } },
  additionalProperties: false,
} as const;
export type ParamsQuery = FromSchema<typeof paramsQuery>;

export const createMultipartBody = {
  $id: 'companion/create-multipart.body',
  title: 'POST /s3/multipart body',
  type: 'object',
  required: ['filename'],
  properties: {
    filename: { type: 'string', minLength: 1, maxLength: 1024 },
    type: { anyOf: [{ const: '' }, { type: 'string', pattern: MIME_PATTERN }] },
    metadata: { type: 'object', maxProperties: 64, additionalProperties: { anyOf: [{ type: 'string', maxLength: 4096 }, { type: 'number' }, { type: 'boolean' }, { type: 'null' }] } },
  },
} as const;
export type CreateMultipartBody = FromSchema<typeof createMultipartBody>;

export const keyQuery = {
  $id: 'companion/key.query',
  title: 'the object key Uppy sends back with every call about a multipart upload',
  type: 'object',
  required: ['key'],
  properties: { key: { type: 'string', minLength: 1, maxLength: 1024 } },
} as const;
export type KeyQuery = FromSchema<typeof keyQuery>;

export const partNumberParam = {
  $id: 'companion/part-number.param',
  type: 'object',
  required: ['partNumber'],
  properties: { partNumber: { type: 'integer', minimum: 1, maximum: 10000 } },
} as const;
export type PartNumberParam = FromSchema<typeof partNumberParam>;

export const completeBody = {
  $id: 'companion/complete.body',
  title: 'POST /s3/multipart/:uploadId/complete body (ETags quoted or bare)',
  type: 'object',
  required: ['parts'],
  properties: {
    parts: {
      type: 'array',
      minItems: 1,
      maxItems: 10000,
      items: {
        type: 'object',
        required: ['PartNumber', 'ETag'],
        properties: {
          PartNumber: { type: 'integer', minimum: 1, maximum: 10000 },
          ETag: { type: 'string', minLength: 1, maxLength: 128 },
        },
      },
    },
  },
} as const;
export type CompleteBody = FromSchema<typeof completeBody>;
