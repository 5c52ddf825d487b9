// chunked_upload and parts: initiate (S3), send the parts not yet done with
// `parallel` workers, then send the commit the broker builds.
import { anySignal } from './control.js';
import { UploadError } from './errors.js';
import { partRange, type ClientPartPlan } from './part-plan.js';
import { readRange, withCachedRange } from './source.js';
import { sendSigned, storeRejection } from './store-request.js';
import { withStoreRetries } from './store-retry.js';
import { RETRY_REASON, type TransferContext } from './transfer-context.js';
import type { CreateResponse, ProgressReport, WireSignature } from './wire.js';

/**
 * S3: send the presigned CreateMultipartUpload and return its UploadId, which
 * the first PATCH reports as resumable_id. Azure (empty url) and `parts`
 * (the broker already has it; the url there is a ListParts we do not need)
 * send nothing.
 */
export async function initiate(ctx: TransferContext, created: CreateResponse, recreate: (signal: AbortSignal) => Promise<CreateResponse>, signal: AbortSignal): Promise<string | undefined> {
  if (created.type === 'parts') return created.resumable_id ?? undefined;
  let signature: WireSignature = created.signature;
  if (signature.url === '') return undefined;
  return withStoreRetries({ retries: ctx.retries, baseDelayMs: ctx.retryDelayMs, signal }, async (previous) => {
    if (previous === 'resign') signature = (await recreate(signal)).signature;
    const { body } = await sendSigned(ctx.fetch, signature, undefined, signal);
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(body)?.[1];
    if (!uploadId) throw new UploadError({ code: 'bad_response', message: `the store's multipart initiation answered without an UploadId: ${body.slice(0, 200)}` });
    return uploadId;
  });
}

/** A part's bytes in memory, or a slice of the browser's File (see readPart). */
type PartBody = Uint8Array | Blob;

/**
 * What a part sends. In a browser it is a slice of the File: Chromium streams a Blob body,
 * where the same bytes as an ArrayBuffer went about 6× slower (scripts/bench/browser-vs-fetch.ts:
 * 2.0 vs 12.5 MiB/s with plain fetch), and the hasher reads the Blob itself. The store
 * still checks the bytes against the signed MD5 (a changed file is refused, then re-read).
 * Elsewhere the bytes are read once, hashed and sent as read.
 */
async function readPart(source: TransferContext['source'], start: number, end: number): Promise<PartBody> {
  return source.blob ? source.blob.slice(start, end) : readRange(source, start, end);
}

function hashPart(ctx: TransferContext, body: PartBody, start: number, end: number, signal: AbortSignal): Promise<string> {
  return ctx.hasher.md5(body instanceof Uint8Array ? withCachedRange(ctx.source, start, body) : ctx.source, start, end, undefined, signal);
}

interface PreparedPart {
  bytes: PartBody;
  md5: string;
  signature: WireSignature;
  signedAt: number;
}

/**
 * A signature asked for ahead is used only this fresh: a part that waited behind a slow PUT
 * is signed again in its turn rather than sent on a URL that may have expired meanwhile
 * (the broker's part URL lifetime is not on the wire). Its bytes and MD5 are kept.
 */
const SIGNED_AHEAD_MAX_AGE_MS = 1_000;

export interface PartsOutcome {
  sent: number;
  skipped: number;
}

export class PartUploader {
  /** Parts still to send, ascending. */
  private queue: number[] = [];
  /** Done parts → base64 MD5 (from the broker for skipped parts). */
  private readonly md5s = new Map<number, string>();
  /** Done parts the broker has not been told about yet: each PATCH reports only news. */
  private unreported = new Set<number>();
  private resumableReported: boolean;
  private sent = 0;
  /**
   * Parts read, hashed and signed while earlier parts are on the wire, so a worker whose PUT
   * ends starts the next at once instead of spending a read, an MD5 and a PATCH first (the
   * store sat idle for that long per part: 2.06 of 4 parts in flight were measured without it).
   * At most `parallel` are held, each one part's bytes; dropped at the end of every round.
   */
  private readonly ahead = new Map<number, Promise<PreparedPart>>();

  constructor(
    private readonly ctx: TransferContext,
    private readonly uploadId: string,
    private readonly plan: ClientPartPlan,
    private readonly created: CreateResponse,
    private readonly resumableId: string | undefined,
  ) {
    this.resumableReported = resumableId === undefined || created.type === 'parts';
  }

  async sendParts(): Promise<PartsOutcome> {
    const done = new Set(this.created.type === 'parts' ? (this.created.part_list ?? []) : []);
    for (let part = 1; part <= this.plan.partCount; part++) {
      const md5 = this.created.part_data?.[String(part)]?.md5;
      if (done.has(part) && md5 !== undefined) {
        this.md5s.set(part, md5);
        const { start, end } = partRange(this.plan, this.ctx.source.size, part);
        this.ctx.events.partSkipped(part, end - start);
      } else {
        this.queue.push(part);
      }
    }
    const skipped = this.md5s.size;
    while (this.queue.length > 0) {
      await this.ctx.control.waitWhilePaused();
      await this.round();
    }
    return { sent: this.sent, skipped };
  }

  /** One run of the workers, ended by an empty queue, a pause, a cancel or a failure. */
  private async round(): Promise<void> {
    const { control } = this.ctx;
    const failure = new AbortController();
    const runSignal = control.signal;
    const signal = anySignal([runSignal, failure.signal]);
    const worker = async () => {
      for (let part = this.queue.shift(); part !== undefined; part = this.queue.shift()) {
        try {
          await this.sendPart(part, signal);
        } catch (error) {
          this.queue.push(part); // redone after a pause; irrelevant after a failure
          if (!signal.aborted) failure.abort(error); // stop the other workers
          throw error;
        }
        if (signal.aborted) return;
      }
    };
    const results = await Promise.allSettled(Array.from({ length: Math.min(this.ctx.parallel, this.queue.length) }, worker));
    // Prepared parts of an interrupted round were aborted with it; a fresh round prepares anew.
    this.ahead.clear();
    this.queue.sort((a, b) => a - b);
    control.cancelSignal.throwIfAborted();
    if (control.interruptedByPause(runSignal)) return;
    if (failure.signal.aborted) throw failure.signal.reason;
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) throw rejected.reason;
  }

  private async sendPart(part: number, signal: AbortSignal): Promise<void> {
    const { ctx } = this;
    const { start, end } = partRange(this.plan, ctx.source.size, part);
    const early = this.ahead.get(part);
    this.ahead.delete(part);
    // A preparation that failed is simply redone below, where its error is retried or reported.
    const prepared = early === undefined ? undefined : await early.catch(() => undefined);
    let bytes: PartBody | undefined = prepared?.bytes;
    let md5: string | undefined = prepared?.md5;
    let signature: WireSignature | undefined = prepared && Date.now() - prepared.signedAt <= SIGNED_AHEAD_MAX_AGE_MS ? prepared.signature : undefined;
    let attempt = 0;
    const onRetry = (n: number, failure: keyof typeof RETRY_REASON) => ctx.events.retry(part, n, RETRY_REASON[failure]);
    await withStoreRetries({ retries: ctx.retries, baseDelayMs: ctx.retryDelayMs, signal, onRetry }, async (previous) => {
      attempt++;
      // A 400 means the bytes the store got do not match the signed MD5: read them again from the file.
      if (previous === 'reread') bytes = md5 = signature = undefined;
      if (previous === 'resign') signature = undefined;
      bytes ??= await readPart(ctx.source, start, end);
      md5 ??= await hashPart(ctx, bytes, start, end, signal);
      signature ??= await this.sign(part, md5, signal);
      this.prepareAhead(signal);
      await sendSigned(ctx.fetch, signature, bytes, signal);
    });
    this.md5s.set(part, md5!);
    this.unreported.add(part);
    this.sent++;
    ctx.events.partDone(part, end - start, attempt);
  }

  /** Starts preparing the next queued parts, up to `parallel` held at once. */
  private prepareAhead(signal: AbortSignal): void {
    const { parallel } = this.ctx;
    for (let i = 0; i < this.queue.length && i < 2 * parallel && this.ahead.size < parallel; i++) {
      const part = this.queue[i]!;
      if (this.ahead.has(part)) continue;
      const pending = this.prepare(part, signal);
      pending.catch(() => undefined); // an abandoned preparation must not surface as unhandled
      this.ahead.set(part, pending);
    }
  }

  /** Read, hash and sign one part: the same steps sendPart takes, ahead of its turn. */
  private async prepare(part: number, signal: AbortSignal): Promise<PreparedPart> {
    const { ctx } = this;
    const { start, end } = partRange(this.plan, ctx.source.size, part);
    const bytes = await readPart(ctx.source, start, end);
    const md5 = await hashPart(ctx, bytes, start, end, signal);
    signal.throwIfAborted();
    return { bytes, md5, signature: await this.sign(part, md5, signal), signedAt: Date.now() };
  }

  /** PATCH ?part=N: reports the parts done since the last report, gets part N's signature. */
  private async sign(part: number, md5: string, signal: AbortSignal): Promise<WireSignature> {
    const news = [...this.unreported];
    const report: ProgressReport = { part_list: news, part_data: news.map((p) => ({ part: p, md5: this.md5s.get(p)! })) };
    // Parallel first PATCHes race; each carries the UploadId until one is acknowledged.
    if (!this.resumableReported && this.resumableId !== undefined) report.resumable_id = this.resumableId;
    const signature = await this.ctx.broker.signPart(this.uploadId, part, md5, report, signal);
    this.resumableReported = true;
    for (const p of news) this.unreported.delete(p);
    return signature;
  }

  /** PATCH without a part → the commit request and body, sent to the store. */
  async commit(signal: AbortSignal): Promise<void> {
    const { ctx } = this;
    const all = Array.from({ length: this.plan.partCount }, (_, i) => i + 1);
    // The finish PATCH lists every part (PlaceOS replaces its part list with what it is sent).
    const report: ProgressReport = { part_list: all, part_data: all.flatMap((part) => (this.md5s.has(part) ? [{ part, md5: this.md5s.get(part)! }] : [])) };
    if (!this.resumableReported && this.resumableId !== undefined) report.resumable_id = this.resumableId;
    let finish: { signature: WireSignature; body: string } | undefined;
    await withStoreRetries({ retries: ctx.retries, baseDelayMs: ctx.retryDelayMs, signal }, async (previous) => {
      if (finish === undefined || previous === 'resign') finish = await ctx.broker.finish(this.uploadId, report, signal);
      const res = await sendSigned(ctx.fetch, finish.signature, finish.body, signal);
      // S3 may answer CompleteMultipartUpload with 200 and the error in the body; AWS says retry.
      if (/<Error>/.test(res.body)) throw storeRejection(500, res.body, finish.signature.verb);
    });
  }
}
