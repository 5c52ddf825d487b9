// One upload from hash to finalize, with pause, resume and cancel. The order
// is the protocol's (PROTOCOL.md): whole-file MD5 → POST / → direct PUT or
// (initiate → parts → commit) → PUT /:id, which makes the broker verify.
import { BrokerClient, type CreateRequest } from './broker-client.js';
import { initiate, PartUploader } from './chunked.js';
import { sendDirect } from './direct.js';
import { UploadError } from './errors.js';
import { inThreadHasher, type Hasher } from './hasher.js';
import { partPlan } from './part-plan.js';
import { ProgressTracker } from './progress.js';
import { TaskLifecycle } from './task-lifecycle.js';
import type { TransferContext } from './transfer-context.js';
import type { UploadOptions, UploadResult, UploadSource } from './types.js';
import type { CreateResponse } from './wire.js';

const now = () => Date.now();

/** Below this a file hashes in a blink: not worth a GET /new round trip before hashing. */
const PRECHECK_MIN_SIZE = 8 * 1024 * 1024;

export class UploadTask extends TaskLifecycle<UploadResult> {
  private readonly broker: BrokerClient;
  private readonly hasher: Hasher;

  constructor(
    private readonly source: UploadSource,
    private readonly options: UploadOptions,
  ) {
    super(options.signal, 'hashing');
    this.broker = new BrokerClient(options);
    this.hasher = options.hasher ?? inThreadHasher;
  }

  /** DELETE /:id after a cancel: its failure is reported (cancel_incomplete), never passed off as done. */
  protected override cleanUpOnBroker(): Promise<unknown> | undefined {
    if (!this.control.cancelled || this.uploadIdNow === undefined) return undefined;
    return this.broker.abort(this.uploadIdNow).then(() => undefined, (error: unknown) => error);
  }

  protected override async transfer(): Promise<UploadResult> {
    const { source, control } = this;
    this.emit('state', 'hashing'); // the initial state, announced now that listeners are attached
    await this.precheck();
    let hashed = 0;
    const onHashed = (bytes: number) => this.emit('hashing', { bytesHashed: (hashed += bytes), bytesTotal: source.size });
    // Part MD5s are computed later, one part just before it is signed: that work then
    // overlaps other parts' transfers instead of lengthening this pass (measured: scripts/bench).
    const fileId = await this.hasher.md5(source, 0, source.size, onHashed, control.cancelSignal);
    await control.waitWhilePaused();
    this.setState('uploading');
    const request = this.createRequest(fileId);
    const recreate = (signal: AbortSignal) => this.broker.create(request, signal);
    const created = await this.broker.create(request, control.cancelSignal);
    this.uploadIdNow = created.upload_id;
    control.cancelSignal.throwIfAborted(); // cancelled while POST / was being answered: run() DELETEs it

    const direct = created.type === 'direct_upload';
    const plan = direct ? { partSize: source.size, partCount: 1 } : partPlan(source.size, created.residence, created.part_size, created.part_count);
    const tracker = (this.tracker = new ProgressTracker(source.size, plan.partCount, now()));
    const ctx = this.transferContext(tracker);
    this.emit('progress', tracker.snapshot());
    let outcome = { sent: 1, skipped: 0 };
    if (direct) {
      await control.pausable((signal) => sendDirect(ctx, created, recreate, signal));
    } else {
      const resumableId = await control.pausable((signal) => initiate(ctx, created, recreate, signal));
      const parts = new PartUploader(ctx, created.upload_id, plan, created, resumableId);
      outcome = await parts.sendParts();
      await control.waitWhilePaused();
      this.setState('finishing');
      const commitError = await control.pausable((signal) => parts.commit(signal)).then(() => undefined, (error: unknown) => error);
      control.cancelSignal.throwIfAborted();
      // A commit whose answer was lost may still have happened: let the broker verify before giving up.
      if (commitError !== undefined) {
        await this.broker.finalize(created.upload_id, control.cancelSignal).catch(() => Promise.reject(commitError));
        return this.result(created, outcome);
      }
    }
    this.setState('finishing');
    await this.broker.finalize(created.upload_id, control.cancelSignal);
    return this.result(created, outcome);
  }

  /** GET /new before hashing: a file the broker will refuse (extension, size) fails now, not after minutes of hashing. */
  private async precheck(): Promise<void> {
    const { source, options } = this;
    if (source.size < PRECHECK_MIN_SIZE) return;
    const mime = options.mime ?? source.type;
    try {
      await this.broker.residence(
        { file_name: source.name, file_size: source.size, ...(mime ? { file_mime: mime } : {}), ...(options.storageId === undefined ? {} : { storage_id: options.storageId }) },
        this.control.cancelSignal,
      );
    } catch (error) {
      // A refusal is final; anything else (an older server, a hiccup) leaves it to POST / to decide.
      if (this.control.cancelled || (error instanceof UploadError && [400, 401, 403, 413].includes(error.status ?? 0))) throw error;
    }
  }

  private result(created: CreateResponse, outcome: { sent: number; skipped: number }): UploadResult {
    return {
      uploadId: created.upload_id,
      residence: created.residence ?? '',
      fileName: this.source.name,
      size: this.source.size,
      resumed: created.type === 'parts',
      partsSent: outcome.sent,
      partsSkipped: outcome.skipped,
    };
  }

  private createRequest(fileId: string): CreateRequest {
    const { options, source } = this;
    const mime = options.mime ?? source.type;
    return {
      file_name: source.name,
      file_size: source.size,
      file_id: fileId,
      ...(mime ? { file_mime: mime } : {}),
      ...(options.storageId === undefined ? {} : { storage_id: options.storageId }),
      ...(options.tags === undefined ? {} : { tags: options.tags }),
      ...(options.public === undefined ? {} : { public: options.public }),
    };
  }

  private transferContext(tracker: ProgressTracker): TransferContext {
    const { options } = this;
    return {
      broker: this.broker,
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      source: this.source,
      hasher: this.hasher,
      control: this.control,
      parallel: Math.max(1, Math.floor(options.parallel ?? 4)),
      retries: Math.max(0, options.retries ?? 5),
      retryDelayMs: options.retryDelayMs ?? 500,
      events: {
        ...this.partEvents(tracker),
        partSkipped: (part, bytes) => {
          tracker.skip(bytes);
          this.emit('part', { part, status: 'skipped', attempt: 0 });
        },
      },
    };
  }
}
