// The body of every webhook delivery (src/webhooks/): one upload event. Data for ajv (the
// tests check every delivered body against it) and for receivers; the TypeScript type of the
// body the broker sends is derived from it. No secrets: no upload token, no presigned URL.
import type { FromSchema } from 'json-schema-to-ts';

const TIME = { type: 'string', format: 'date-time' } as const;
const SIZE = { type: 'integer', minimum: 0, maximum: 9007199254740991 } as const;

export const uploadEventBody = {
  $id: 'events/upload-event',
  title: 'Webhook body: an upload event',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'type', 'created_at', 'upload'],
  properties: {
    id: { type: 'string', pattern: '^evt_[A-Za-z0-9_-]{22}$', description: 'unique per event and the same on every retry: de-duplicate on it' },
    type: { enum: ['upload.created', 'upload.completed', 'upload.aborted', 'upload.expired'] },
    created_at: { ...TIME, description: 'when the change happened' },
    upload: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'tenant', 'owner', 'storage_id', 'key', 'file_name', 'mime', 'state', 'kind', 'integrity', 'temporary', 'tags', 'created_at', 'updated_at'],
      properties: {
        id: { type: 'string', minLength: 1 },
        tenant: { type: 'string' },
        owner: { type: 'string' },
        storage_id: { type: 'string', minLength: 1 },
        key: { type: 'string', minLength: 1, description: 'the object key in the storage' },
        file_name: { type: 'string' },
        size: { ...SIZE, description: 'absent while unknown (a form upload before it arrives)' },
        mime: { type: 'string' },
        state: { enum: ['pending', 'uploading', 'complete', 'aborted', 'expired'] },
        kind: { enum: ['direct', 'chunked'] },
        integrity: { enum: ['store-md5', 'listed-etags', 'policy-size'] },
        md5: { type: 'string', description: "base64 MD5 of the whole file, when the client declared one" },
        sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        digest_check: { enum: ['store', 'read-back', 'declared'] },
        temporary: { type: 'boolean' },
        session_id: { type: 'string' },
        tags: { type: 'array', items: { type: 'string' } },
        created_at: TIME,
        updated_at: TIME,
      },
    },
  },
} as const;
export type UploadEventBody = FromSchema<typeof uploadEventBody>;
