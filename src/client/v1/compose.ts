// compose(): a new blob made of byte ranges of blobs the store already holds
// (seed 004's copied parts), without a byte passing through the client. One
// range is one part: the upload's part size is the first range's size, so
// every range but the last must have it and the last may be shorter. The plan
// is checked here first, for a message naming the range at fault; the broker
// still decides (it alone knows each source's size and the storage's policy).
import { anySignal } from '../control.js';
import { cancelledError, UploadError } from '../errors.js';
import type { HeaderSource } from '../types.js';
import { V1Client } from './broker.js';
import type { CopyPartRequest, InitiateRequest, Verification } from './wire.js';

const MiB = 1024 * 1024;

/** Seed 004: every part but the last at least 5 MB (the broker's default part policy: 5 MiB). */
export const SEED_004_MIN_PART_SIZE = 5 * MiB;
/** Seed 004: at most 10,000 parts. */
export const SEED_004_MAX_PART_COUNT = 10_000;

/** Bytes first..last (inclusive, as in `bytes=first-last`) of a stored blob, named by its SHA-256 or its upload's id. */
export type ComposeRange = ({ sha256: string; uploadId?: never } | { uploadId: string; sha256?: never }) & { first: number; last: number };

export interface ComposeOptions {
  /** Broker origin, e.g. http://127.0.0.1:8080 */
  url: string;
  /** Default /api/v1 */
  basePath?: string;
  /** Credentials (Authorization or X-API-Key): the sources must be readable with them. */
  headers?: HeaderSource;
  /** Name of the new blob. */
  filename: string;
  /** The sources' storage: a store copies only within itself (409 otherwise). Default: the broker chooses. */
  storageId?: string;
  /** Hex SHA-256 of the concatenated ranges, when the caller knows it: the broker checks it (422 when wrong). */
  sha256?: string;
  /** Default: the broker's guess from the filename. */
  mime?: string;
  tags?: string[];
  temporary?: boolean;
  /**
   * The smallest part the target storage takes (every range but the last is a part):
   * default seed 004's 5 MiB; pass the storage's `part_policy.min_part_size` where a deployment lowered it.
   */
  minPartSize?: number;
  /** Copies in flight at once (the store does the work); default 4. */
  parallel?: number;
  retries?: number;
  retryDelayMs?: number;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

export interface ComposeResult {
  /** The new upload record's id. */
  id: string;
  /** Hex SHA-256 of the composed blob, as the broker established (or checked) it. */
  sha256: string;
  size: number;
  verified: Verification;
}

/** What compose() sends: one copied part per range. */
export interface CompositionPlan {
  size: number;
  partSize: number;
  parts: Array<{ number: number } & CopyPartRequest>;
}

const refuse = (message: string) => new UploadError({ code: 'bad_request', message });

function sourceOf(range: ComposeRange, where: string): CopyPartRequest['source'] {
  if (typeof range.sha256 === 'string' && range.uploadId === undefined) {
    const hex = range.sha256.toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(hex)) throw refuse(`${where}: sha256 must be 64 hex digits, not ${JSON.stringify(range.sha256)}`);
    return { sha256: hex };
  }
  if (typeof range.uploadId === 'string' && range.uploadId !== '' && range.sha256 === undefined) return { upload_id: range.uploadId };
  throw refuse(`${where}: name its source by sha256 or by uploadId (one of them)`);
}

/**
 * The plan for `ranges`, or an UploadError (code bad_request) naming the first range that
 * breaks seed 004's rules as the broker applies them to copied parts.
 */
export function planComposition(ranges: readonly ComposeRange[], minPartSize = SEED_004_MIN_PART_SIZE): CompositionPlan {
  // One range would be a one-part upload, which the broker plans as a single
  // request; parts are copied only into multipart uploads.
  if (ranges.length < 1) throw refuse('compose takes at least one range (got 0)');
  if (ranges.length > SEED_004_MAX_PART_COUNT) throw refuse(`compose takes at most ${SEED_004_MAX_PART_COUNT} ranges, one part each (got ${ranges.length})`);
  const parts = ranges.map((range, index) => {
    const where = `range ${index + 1}`;
    const source = sourceOf(range, where);
    const { first, last } = range;
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first < 0) throw refuse(`${where}: first and last must be whole byte offsets, not ${first}-${last}`);
    if (last < first) throw refuse(`${where}: bytes=${first}-${last} ends before it starts`);
    // Seed 004: "The range begin value must be multiple of 1MB (1024KB)."
    if (first % MiB !== 0) throw refuse(`${where}: bytes=${first}-${last} must start on a multiple of 1 MiB (${MiB} bytes)`);
    return { number: index + 1, source, range: `bytes=${first}-${last}`, size: last - first + 1 };
  });
  const partSize = parts[0]!.size;
  // The broker's plan cuts the whole into parts of partSize: range n must be part n exactly.
  for (const part of parts.slice(1, -1)) {
    if (part.size !== partSize) throw refuse(`range ${part.number}: ${part.range} has ${part.size} bytes; every range but the last must have the first's ${partSize} (each range is one part of the new blob)`);
  }
  const lastPart = parts.at(-1)!;
  if (lastPart.size > partSize) throw refuse(`range ${lastPart.number}: ${lastPart.range} has ${lastPart.size} bytes, more than the first's ${partSize}; the last range may be shorter, not longer`);
  if (parts.length > 1 && partSize < minPartSize) throw refuse(`range 1: ${parts[0]!.range} has ${partSize} bytes; every range but the last is a part of at least ${minPartSize} bytes`);
  return { size: parts.reduce((sum, part) => sum + part.size, 0), partSize, parts: parts.map(({ number, source, range }) => ({ number, source, range })) };
}

/**
 * Initiates a v1 upload of the ranges' concatenation, has the store copy each range
 * into its part, and completes it. A failure destroys the upload (unless the broker
 * may have completed it) and rejects with the broker's UploadError.
 */
export async function compose(ranges: readonly ComposeRange[], options: ComposeOptions): Promise<ComposeResult> {
  const sha256 = options.sha256?.toLowerCase();
  if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256)) throw refuse(`sha256 must be 64 hex digits, not ${JSON.stringify(options.sha256)}`);
  const plan = planComposition(ranges, options.minPartSize);
  const broker = new V1Client(options);
  const initiate: InitiateRequest = {
    filename: options.filename,
    size: plan.size,
    part_size: plan.partSize,
    ...(options.storageId === undefined ? {} : { storage_id: options.storageId }),
    ...(options.mime === undefined ? {} : { content_type: options.mime }),
    ...(options.tags === undefined ? {} : { tags: options.tags }),
    ...(options.temporary ? { temporary: true } : {}),
  };
  const created = await broker.initiate(initiate, options.signal);
  // Without a declared digest at initiate the broker never answers already_present.
  if (created.already_present) throw new UploadError({ code: 'bad_response', message: `the broker answered already_present to an upload that declared no digest (${created.id})` });
  if (created.strategy !== 'multipart' || created.part_count !== plan.parts.length || created.part_size !== plan.partSize) {
    await broker.destroy(created.id).catch(() => undefined);
    throw new UploadError({ code: 'bad_response', message: `the broker planned ${created.part_count} ${created.strategy} part(s) of ${created.part_size} bytes for ${plan.parts.length} ranges of ${plan.partSize}: the ranges cannot be copied into that plan` });
  }
  let finishing = false;
  try {
    await copyAll(broker, created.id, plan, options);
    finishing = true;
    const done = await broker.complete(created.id, sha256, options.signal);
    return { id: done.id, sha256: done.sha256, size: done.size, verified: done.verified };
  } catch (error) {
    // After the completing call only a refusal proves the upload did not complete.
    const refused = error instanceof UploadError && error.status !== undefined && error.status >= 400 && error.status < 500;
    if (!finishing || refused) await broker.destroy(created.id).catch(() => undefined);
    if (options.signal?.aborted) throw cancelledError();
    throw error;
  }
}

/** Copies every part, `parallel` at once; the first failure stops the rest and is the one thrown. */
async function copyAll(broker: V1Client, uploadId: string, plan: CompositionPlan, options: ComposeOptions): Promise<void> {
  const stop = new AbortController();
  const signal = options.signal ? anySignal([options.signal, stop.signal]) : stop.signal;
  const queue = [...plan.parts];
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    for (let part = queue.shift(); part !== undefined && !signal.aborted; part = queue.shift()) {
      try {
        await broker.copyPart(uploadId, part.number, { source: part.source, range: part.range }, signal);
      } catch (error) {
        failure ??= { error };
        stop.abort(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, options.parallel ?? 4), queue.length) }, worker));
  if (failure) throw failure.error;
  options.signal?.throwIfAborted();
}
