// Upload records and parts as Redis hash values. Hashes hold strings only, so numbers,
// booleans and lists are spelled out here; decoding checks every field, so a damaged hash is
// reported instead of being half-read into a record that lies about its state.
import type { DigestCheck, Integrity, PartRecord, Permissions, UploadKind, UploadRecord, UploadState } from '../domain/upload.js';

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

/**
 * A part as the value of its field in the parts hash: compact JSON, which the Lua in
 * redis-scripts.ts reads and rewrites with cjson (only `done` ever changes there).
 */
export function encodePart(part: PartRecord): string {
  return JSON.stringify({
    md5: part.md5,
    ...(part.size === undefined ? {} : { size: part.size }),
    done: part.done,
    ...(part.reported === undefined ? {} : { reported: part.reported }),
    ...(part.checks === undefined ? {} : { checks: part.checks }),
  });
}

export function decodePart(field: string, value: string): PartRecord {
  const part = Number(field);
  const parsed: unknown = safeJson(value);
  if (!Number.isInteger(part) || typeof parsed !== 'object' || parsed === null) throw badPart(field, value);
  const { md5, size, done, reported, checks } = parsed as Record<string, unknown>;
  if (typeof md5 !== 'string' || typeof done !== 'boolean') throw badPart(field, value);
  if (size !== undefined && (typeof size !== 'number' || !Number.isFinite(size))) throw badPart(field, value);
  if (reported !== undefined && typeof reported !== 'string') throw badPart(field, value);
  if (checks !== undefined && !isStringRecord(checks)) throw badPart(field, value);
  return { part, md5, done, ...(size === undefined ? {} : { size }), ...(reported === undefined ? {} : { reported }), ...(checks === undefined ? {} : { checks }) };
}

/** Every part in a parts hash as read by HGETALL, ascending by part number. */
export function decodeParts(hash: Record<string, string>): PartRecord[] {
  return Object.entries(hash)
    .map(([field, value]) => decodePart(field, value))
    .sort((a, b) => a.part - b.part);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
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

function badPart(field: string, value: string): Error {
  return new Error(`corrupt part record ${JSON.stringify(field)}: ${JSON.stringify(value)}`);
}
