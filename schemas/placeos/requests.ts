// PlaceOS uploads API request schemas (PROTOCOL.md). Data, compiled once by ajv
// at start-up (src/http/validation.ts); the TypeScript types below are derived
// from them, so the server, the client library and the tests share one source.
import type { FromSchema } from 'json-schema-to-ts';
import { MIME_PATTERN } from '../common.js';


export const newUploadQuery = {
  $id: 'placeos/new-upload.query',
  title: 'GET /new query',
  type: 'object',
  required: ['file_name', 'file_size'],
  properties: {
    file_name: { type: 'string', minLength: 1, maxLength: 1024 },
    file_size: { type: 'integer', minimum: 0, maximum: 9007199254740991 },
    file_mime: { type: 'string', pattern: MIME_PATTERN },
    storage_id: { type: 'string', minLength: 1, maxLength: 64 },
  },
} as const;
export type NewUploadQuery = FromSchema<typeof newUploadQuery>;

export const createUploadBody = {
  $id: 'placeos/create-upload.body',
  title: 'POST / body (PlaceOS UploadInfo)',
  type: 'object',
  required: ['file_name', 'file_size', 'file_id'],
  properties: {
    file_name: { type: 'string', minLength: 1, maxLength: 1024 },
    file_size: {
      description: 'PlaceOS accepts an integer or a numeric string',
      anyOf: [
        { type: 'integer', minimum: 0, maximum: 9007199254740991 },
        { type: 'string', pattern: '^[0-9]{1,16}$' },
      ],
    },
    file_id: { type: 'string', minLength: 1, maxLength: 64, description: 'base64 (or hex) MD5 of the whole file' },
    file_mime: { type: 'string', pattern: MIME_PATTERN },
    file_path: { type: 'string', maxLength: 4096 },
    permissions: { enum: ['none', 'admin', 'support'] },
    public: { type: 'boolean' },
    expires: { type: 'number', exclusiveMinimum: 0, maximum: 1000000, description: 'minutes the direct-upload signature stays valid (capped by config)' },
    tags: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 128 } },
    cache_etag: { type: 'string', maxLength: 256 },
    cache_modified: { type: 'string', maxLength: 256 },
    storage_id: { type: 'string', minLength: 1, maxLength: 64 },
  },
} as const;
export type CreateUploadBody = FromSchema<typeof createUploadBody>;

export const updateUploadBody = {
  $id: 'placeos/update-upload.body',
  title: 'PATCH /:id body (PlaceOS UpdateInfo); legacy clients also put part and file_id here',
  type: 'object',
  properties: {
    resumable_id: { type: 'string', minLength: 1, maxLength: 1024 },
    part_list: { type: 'array', maxItems: 50000, items: { type: 'integer', minimum: 1, maximum: 50000 } },
    part_data: {
      type: 'array',
      maxItems: 50000,
      items: {
        type: 'object',
        required: ['part'],
        properties: {
          part: { type: 'integer', minimum: 1, maximum: 50000 },
          md5: { type: 'string', maxLength: 64 },
          md5_hex: { type: 'string', maxLength: 64 },
        },
      },
    },
    part: { anyOf: [{ type: 'integer', minimum: 1, maximum: 50000 }, { type: 'string', pattern: '^[0-9]{1,5}$' }] },
    file_id: { type: 'string', minLength: 1, maxLength: 64 },
  },
} as const;
export type UpdateUploadBody = FromSchema<typeof updateUploadBody>;

export const partQuery = {
  $id: 'placeos/part.query',
  title: 'PATCH /:id and GET /:id/edit query: part=N&file_id=<part md5>, or part=finish',
  type: 'object',
  properties: {
    part: { anyOf: [{ const: 'finish' }, { type: 'integer', minimum: 1, maximum: 50000 }] },
    file_id: { type: 'string', minLength: 1, maxLength: 64 },
  },
} as const;
export type PartQuery = FromSchema<typeof partQuery>;

export const listQuery = {
  $id: 'placeos/list.query',
  title: 'GET / query',
  type: 'object',
  properties: {
    file_search: { type: 'string', maxLength: 256 },
    limit: { type: 'integer', minimum: 1, maximum: 10000 },
    offset: { type: 'integer', minimum: 0, maximum: 1000000000 },
    tags: { type: 'string', maxLength: 2048, description: 'comma-separated; all must match' },
    storage_id: { type: 'string', maxLength: 64 },
  },
} as const;
export type ListQuery = FromSchema<typeof listQuery>;

export const urlQuery = {
  $id: 'placeos/url.query',
  title: 'GET /:id/url query',
  type: 'object',
  properties: {
    expiry: { type: 'number', exclusiveMinimum: 0, maximum: 1000000, description: 'minutes (capped by config)' },
  },
} as const;
export type UrlQuery = FromSchema<typeof urlQuery>;
