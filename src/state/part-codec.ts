// Recorded parts in Redis, compactly: an upload of 10,000 parts must not cost Redis a
// megabyte, and marking them done must not rewrite JSON. Each part is a fixed-width slot of
// SLOT_BYTES bytes; PARTS_PER_BUCKET consecutive parts share one hash field ("b<index>"), so
// Redis's per-field overhead (≈ 80 bytes once a hash outgrows its listpack) is paid once a
// bucket, not once a part. What a slot cannot hold goes in fields of its own beside it, and
// the slot's extras flag says to look: "m<part>" an MD5 that is not canonical base64 of 16
// bytes, "r<part>" a client's spelling of it other than base64 or hex, "x<part>" JSON of a
// size beyond 48 bits or checks outside the table below. The Lua that reads and writes slots
// is in redis-part-scripts.ts; the two must agree on every offset and flag here.
//
// Slot: [0] flags, [1..16] MD5 (binary), [17..22] size (unsigned 48-bit big-endian),
// [23..24] checks (2 bits an algorithm, CHECK_ALGORITHMS order, 0 none, else CHECK_VALUES).
import { isCanonicalMd5 } from '../domain/md5.js';
import type { DoneReport } from '../domain/ports.js';
import type { PartRecord } from '../domain/upload.js';

export const SLOT_BYTES = 25;
export const PARTS_PER_BUCKET = 64;

export const FLAG = {
  present: 1,
  done: 2,
  size: 4,
  checks: 8,
  /** Some of the fields "m<part>", "r<part>", "x<part>" hold what the slot could not. */
  extras: 16,
  /** Two bits: how the client spelled the MD5 it reported (REPORTED_CODE). */
  reportedShift: 5,
  reportedMask: 0x60,
  /** The MD5 is in "m<part>" (not canonical base64 of 16 bytes). */
  md5Extra: 128,
} as const;

/** Spellings of the reported MD5 a slot can hold: the code in the flags' two bits. */
const REPORTED_CODE = { base64: 1, hex: 2, upperHex: 3 } as const;
const CHECK_ALGORITHMS = ['md5', 'sha1', 'sha256', 'crc32c', 'crc64'] as const;
const CHECK_VALUES = ['enforced', 'if-sent', 'unchecked'] as const;
const MAX_SIZE = 2 ** 48 - 1;

/** What "x<part>" holds. */
interface Extras {
  size?: number;
  checks?: Record<string, string>;
}

/** The hash field of the bucket holding part n, and the slot's byte offset in it. */
export function slotOf(part: number): { field: string; offset: number } {
  return { field: `b${Math.floor((part - 1) / PARTS_PER_BUCKET)}`, offset: ((part - 1) % PARTS_PER_BUCKET) * SLOT_BYTES };
}

/** The fields beside the buckets: a raw MD5, a raw reported spelling, extras JSON. */
export const extraFields = (part: number) => ({ md5: `m${part}`, reported: `r${part}`, extras: `x${part}` });

/** 16 bytes when md5 is canonical base64 of an MD5; undefined otherwise. */
function md5Bytes(md5: string): Buffer | undefined {
  return isCanonicalMd5(md5) ? Buffer.from(md5, 'base64') : undefined;
}

/** How `reported` spells the MD5 (canonical base64 `md5`, its 16 bytes in `bytes` from `at`), if a slot can say it. */
function reportedCode(md5: string, bytes: Buffer, reported: string, at = 0): number | undefined {
  if (reported === md5) return REPORTED_CODE.base64;
  if (reported.length !== 32) return undefined;
  const hex = bytes.toString('hex', at, at + 16);
  if (reported === hex) return REPORTED_CODE.hex;
  if (reported === hex.toUpperCase()) return REPORTED_CODE.upperHex;
  return undefined;
}

function checksCode(checks: Record<string, string>): number | undefined {
  let code = 0;
  for (const [algorithm, value] of Object.entries(checks)) {
    const a = (CHECK_ALGORITHMS as readonly string[]).indexOf(algorithm);
    const v = (CHECK_VALUES as readonly string[]).indexOf(value);
    if (a < 0 || v < 0) return undefined;
    code |= (v + 1) << (2 * a);
  }
  return code;
}

/** A part as its slot, and the fields (name, value) for what the slot cannot hold. */
export function encodePartSlot(part: PartRecord): { slot: Buffer; fields: Array<[string, string]> } {
  const slot = Buffer.alloc(SLOT_BYTES);
  const names = extraFields(part.part);
  const fields: Array<[string, string]> = [];
  const extras: Extras = {};
  let flags = FLAG.present | (part.done ? FLAG.done : 0);
  const md5 = md5Bytes(part.md5);
  if (md5) md5.copy(slot, 1);
  else {
    fields.push([names.md5, part.md5]);
    flags |= FLAG.md5Extra;
  }
  if (part.size !== undefined) {
    if (Number.isInteger(part.size) && part.size >= 0 && part.size <= MAX_SIZE) {
      slot.writeUIntBE(part.size, 17, 6);
      flags |= FLAG.size;
    } else extras.size = part.size;
  }
  if (part.reported !== undefined) {
    const code = md5 && reportedCode(part.md5, slot, part.reported, 1);
    if (code) flags |= code << FLAG.reportedShift;
    else fields.push([names.reported, part.reported]);
  }
  if (part.checks !== undefined) {
    const code = checksCode(part.checks);
    if (code === undefined) extras.checks = part.checks;
    else {
      slot.writeUInt16BE(code, 23);
      flags |= FLAG.checks;
    }
  }
  if (Object.keys(extras).length > 0) fields.push([names.extras, JSON.stringify(extras)]);
  if (fields.length > 0) flags |= FLAG.extras;
  slot[0] = flags;
  return { slot, fields };
}

/**
 * A done report as the scripts take it: the part number; the reported MD5 (16 bytes when
 * canonical base64, else its text, '' none); and how: its first character says which ('b'
 * bytes, 'r' text, '-' none), then the client's spelling ('' none, '1'-'3' a REPORTED_CODE
 * relative to that MD5, 'r' + the text otherwise).
 */
export function encodeDoneReport(report: DoneReport): [number, Buffer | string, string] {
  const { md5, reported } = report;
  const spelling = reported === undefined ? '' : `r${reported}`;
  if (md5 === undefined) return [report.part, '', `-${spelling}`];
  if (!isCanonicalMd5(md5)) return [report.part, md5, `r${spelling}`];
  const bytes = Buffer.from(md5, 'base64');
  const code = reported === undefined ? undefined : reportedCode(md5, bytes, reported);
  return [report.part, bytes, `b${code ? String(code) : spelling}`];
}

/** Bytes of one packed done report: part number (4, big-endian), MD5 (16), spelling (1). */
export const PACKED_REPORT_BYTES = 21;
/** The spelling byte of a packed report that travels as a triple after the pack instead. */
export const PACKED_AS_TRIPLE = 255;

/**
 * Done reports for markPartsDoneScript: the common one (a canonical MD5, spelled as base64,
 * hex or upper-case hex) packed in PACKED_REPORT_BYTES of one argument, spelling 0 none or a
 * REPORTED_CODE; any other as an encodeDoneReport triple after it, its place in the pack
 * marked PACKED_AS_TRIPLE so the script keeps the reports' order. Three arguments a part made
 * the client library's command building most of a 10,000-part finish (30,000 arguments).
 */
export function packDoneReports(reports: DoneReport[]): { packed: Buffer; triples: Array<number | Buffer | string> } {
  const packed = Buffer.alloc(reports.length * PACKED_REPORT_BYTES);
  const triples: Array<number | Buffer | string> = [];
  reports.forEach((report, index) => {
    const at = index * PACKED_REPORT_BYTES;
    const { part, md5, reported } = report;
    // The MD5's bytes go straight into the pack (no Buffer a report).
    if (md5 !== undefined && isCanonicalMd5(md5) && Number.isInteger(part) && part >= 0 && part <= 0xffffffff) {
      packed.write(md5, at + 4, 16, 'base64');
      const code = reported === undefined ? 0 : reportedCode(md5, packed, reported, at + 4);
      if (code !== undefined) {
        packed.writeUInt32BE(part, at);
        packed[at + 20] = code;
        return;
      }
    }
    packed[at + 20] = PACKED_AS_TRIPLE;
    triples.push(...encodeDoneReport(report));
  });
  return { packed, triples };
}

/** Every part in a parts hash as read by HGETALL (values as bytes), ascending by part number. */
export function decodePartsHash(hash: Record<string, Buffer>): PartRecord[] {
  const parts: PartRecord[] = [];
  const field = (name: string) => hash[name]?.toString('utf8');
  for (const [name, value] of Object.entries(hash)) {
    if (/^[mrx]\d+$/.test(name)) continue;
    const bucket = /^b(\d+)$/.exec(name);
    if (!bucket || value.length % SLOT_BYTES !== 0) throw corrupt(name, 'not a bucket of part slots');
    const first = Number(bucket[1]) * PARTS_PER_BUCKET + 1;
    for (let offset = 0; offset < value.length; offset += SLOT_BYTES) {
      if (value[offset] !== 0) parts.push(decodeSlot(first + offset / SLOT_BYTES, value, offset, field));
    }
  }
  // Buckets arrive in any order, parts within one in order.
  return parts.sort((a, b) => a.part - b.part);
}

/** The slot at `offset` in `bucket`; `field` reads the hash's other fields (only asked when the slot has extras). */
export function decodeSlot(part: number, bucket: Buffer, offset: number, field: (name: string) => string | undefined): PartRecord {
  const flags = bucket[offset] ?? 0;
  // The fields beside the slot are looked at only when it says there are some (md5Extra implies extras).
  const names = (flags & FLAG.extras) !== 0 ? extraFields(part) : undefined;
  const extraText = names && field(names.extras);
  const extras = extraText === undefined ? {} : checkedExtras(part, extraText);
  const md5 = (flags & FLAG.md5Extra) !== 0 ? names && field(names.md5) : bucket.toString('base64', offset + 1, offset + 17);
  if (md5 === undefined) throw corrupt(`part ${part}`, `no ${extraFields(part).md5} field`);
  const record: PartRecord = { part, md5, done: (flags & FLAG.done) !== 0 };
  const size = (flags & FLAG.size) !== 0 ? bucket.readUIntBE(offset + 17, 6) : extras.size;
  if (size !== undefined) record.size = size;
  const code = (flags & FLAG.reportedMask) >> FLAG.reportedShift;
  if (code === REPORTED_CODE.base64) record.reported = md5;
  else if (code === REPORTED_CODE.hex || code === REPORTED_CODE.upperHex) {
    const hex = bucket.toString('hex', offset + 1, offset + 17);
    record.reported = code === REPORTED_CODE.hex ? hex : hex.toUpperCase();
  } else if (names) {
    const reported = field(names.reported);
    if (reported !== undefined) record.reported = reported;
  }
  if ((flags & FLAG.checks) !== 0) {
    const bits = bucket.readUInt16BE(offset + 23);
    const checks: Record<string, string> = {};
    CHECK_ALGORITHMS.forEach((algorithm, index) => {
      const value = CHECK_VALUES[((bits >> (2 * index)) & 3) - 1];
      if (value !== undefined) checks[algorithm] = value;
    });
    record.checks = checks;
  } else if (extras.checks !== undefined) record.checks = extras.checks;
  return record;
}

function checkedExtras(part: number, text: string): Extras {
  const parsed = safeJson(text);
  if (typeof parsed !== 'object' || parsed === null) throw corrupt(`part ${part}`, 'its extras are not JSON');
  const { size, checks } = parsed as Record<string, unknown>;
  if (size !== undefined && (typeof size !== 'number' || !Number.isFinite(size))) throw corrupt(`part ${part}`, 'a size that is no number');
  if (checks !== undefined && (typeof checks !== 'object' || checks === null || Array.isArray(checks) || !Object.values(checks).every((v) => typeof v === 'string'))) {
    throw corrupt(`part ${part}`, 'checks that are not strings');
  }
  return { ...(size === undefined ? {} : { size }), ...(checks === undefined ? {} : { checks: checks as Record<string, string> }) };
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

function corrupt(where: string, problem: string): Error {
  return new Error(`corrupt part record (${where}): ${problem}`);
}
