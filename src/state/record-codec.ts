// Upload records as Redis hash values (parts: part-codec.ts). Hashes hold strings only, so numbers,
// booleans and lists are spelled out here; decoding checks every field, so a damaged hash is
// reported instead of being half-read into a record that lies about its state.
import type { DigestCheck, Integrity, Permissions, UploadKind, UploadRecord, UploadState } from '../domain/upload.js';

const STATES: readonly UploadState[] = ['pending', 'uploading', 'complete', 'aborted', 'expired'];
const KINDS: readonly UploadKind[] = ['direct', 'chunked'];
const PERMISSIONS: readonly Permissions[] = ['none', 'admin', 'support'];
const INTEGRITIES: readonly Integrity[] = ['store-md5', 'listed-etags', 'policy-size'];
const DIGEST_CHECKS: readonly DigestCheck[] = ['store', 'read-back', 'declared'];

// How each field is spelled. The mapped type makes the compiler check that every record
// field has a codec and that exactly the optional fields are 'optional' or 'optional-number'.
type CodecFor<T> = [undefined] extends [T]
  ? [Exclude<T, undefined>] extends [string]
    ? 'optional'
    : [Exclude<T, undefined>] extends [number]
      ? 'optional-number'
      : never
  : [T] extends [number]
    ? 'number'
    : [T] extends [boolean]
      ? 'boolean'
      : [T] extends [string[]]
        ? 'list'
        : string extends T
          ? 'string'
          : readonly T[];

const FIELDS: { [K in keyof UploadRecord]-?: CodecFor<UploadRecord[K]> } = {
  id: 'string',
  owner: 'string',
  tenant: 'string',
  storageId: 'string',
  objectKey: 'string',
  fileName: 'string',
  fileSize: 'optional-number',
  mime: 'string',
  fileMd5: 'optional',
  filePath: 'optional',
  permissions: PERMISSIONS,
  public: 'boolean',
  tags: 'list',
  cacheEtag: 'optional',
  cacheModified: 'optional',
  state: STATES,
  kind: KINDS,
  integrity: INTEGRITIES,
  sha256: 'optional',
  digestCheck: 'optional',
  temporary: 'boolean',
  deleteAt: 'optional-number',
  sessionId: 'optional',
  readBackBytes: 'optional-number',
  resumableId: 'optional',
  partSize: 'number',
  partCount: 'number',
  createdAt: 'number',
  updatedAt: 'number',
  expiresAt: 'number',
  uploadToken: 'string',
};

const FIELD_NAMES = Object.keys(FIELDS) as Array<keyof UploadRecord>;

/** Hash fields for the fields present; absent optional fields get no hash field at all. */
export function encodeRecordFields(fields: Partial<UploadRecord>): Record<string, string> {
  const hash: Record<string, string> = {};
  for (const name of FIELD_NAMES) {
    const value = fields[name];
    if (value === undefined) continue;
    hash[name] = Array.isArray(value) ? JSON.stringify(value) : String(value);
  }
  return hash;
}

/** The record in a hash as read by HGETALL; undefined for an empty hash (no such key). */
export function decodeRecord(hash: Record<string, string>): UploadRecord | undefined {
  if (Object.keys(hash).length === 0) return undefined;
  const record: Record<string, unknown> = {};
  for (const name of FIELD_NAMES) {
    const raw = hash[name];
    const codec: string | readonly string[] = FIELDS[name];
    if (raw === undefined) {
      if (codec === 'optional' || codec === 'optional-number') continue;
      throw corrupt(hash, `missing field ${name}`);
    }
    record[name] = decodeField(codec, raw, () => corrupt(hash, `bad field ${name}=${JSON.stringify(raw)}`));
  }
  return record as unknown as UploadRecord;
}

function decodeField(codec: string | readonly string[], raw: string, fail: () => Error): unknown {
  switch (codec) {
    case 'string':
    case 'optional':
      return raw;
    case 'number':
    case 'optional-number': {
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value)) throw fail();
      return value;
    }
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') throw fail();
      return raw === 'true';
    case 'list': {
      const value: unknown = safeJson(raw);
      if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw fail();
      return value;
    }
    default:
      if (typeof codec === 'string' || !codec.includes(raw)) throw fail();
      return raw;
  }
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

function corrupt(hash: Record<string, string>, problem: string): Error {
  return new Error(`corrupt upload record ${JSON.stringify(hash['id'] ?? '?')}: ${problem}`);
}

