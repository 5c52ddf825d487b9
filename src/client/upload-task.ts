// One upload from hash to finalize, with pause, resume and cancel. The order
// is the protocol's (PROTOCOL.md): whole-file MD5 → POST / → direct PUT or
// (initiate → parts → commit) → PUT /:id, which makes the broker verify.
import { BrokerClient, type CreateRequest } from './broker-client.js';
import { initiate, PartUploader } from './chunked.js';
import { RunControl } from './control.js';
import { sendDirect } from './direct.js';
import { TypedEmitter } from './emitter.js';
import { cancelledError, UploadError } from './errors.js';
import { inThreadHasher, type Hasher } from './hasher.js';
import { partPlan } from './part-plan.js';
import { ProgressTracker } from './progress.js';
import type { TransferContext } from './transfer-context.js';
import type { UploadEvents, UploadOptions, UploadResult, UploadSource, UploadState } from './types.js';
import type { CreateResponse } from './wire.js';

const now = () => Date.now();

/** Below this a file hashes in a blink: not worth a GET /new round trip before hashing. */
const PRECHECK_MIN_SIZE = 8 * 1024 * 1024;

export class UploadTask extends TypedEmitter<UploadEvents> {
  /** Settles when the upload is complete (and verified by the broker), failed or cancelled. */
  readonly done: Promise<UploadResult>;
  private readonly control: RunControl;
  private readonly broker: BrokerClient;
  private readonly hasher: Hasher;
  private stateNow: UploadState = 'hashing';
  /** The state to return to on resume(). */
  private activeState: UploadState = 'hashing';
  private uploadIdNow: string | undefined;
  private tracker: ProgressTracker | undefined;

  constructor(
    private readonly source: UploadSource,
    private readonly options: UploadOptions,
  ) {
    super();
    this.control = new RunControl(options.signal);
    this.broker = new BrokerClient(options);
    this.hasher = options.hasher ?? inThreadHasher;
    // Start on the next tick so callers can attach listeners first.
    this.done = Promise.resolve().then(() => this.run());
    this.done.catch(() => undefined); // the caller may only listen to events; never an unhandled rejection
  }

  get state(): UploadState {
    return this.stateNow;
  }

  /** Known once the broker answered POST /. */
  get uploadId(): string | undefined {
    return this.uploadIdNow;
  }

  /** Stops sending: in-flight parts are aborted and sent again on resume(). Hashing, being local, carries on. */
  pause(): void {
    if (this.isFinal() || !this.control.pause()) return;
    this.setState('paused');
  }

  resume(): void {
    if (!this.control.resume()) return;
    this.tracker?.restartClock(now());
    this.setState(this.activeState);
  }

  /** Aborts everything in flight and DELETEs the upload on the broker; resolves when that is done. */
  async cancel(): Promise<void> {
    if (this.isFinal()) return;
    this.control.cancel();
    await this.done.catch(() => undefined);
  }

  private isFinal(): boolean {
    return this.stateNow === 'complete' || this.stateNow === 'failed' || this.stateNow === 'cancelled';
  }

  private setState(state: UploadState): void {
    if (state !== 'paused') this.activeState = state;
    if (state === 'paused' || !this.control.paused) {
      if (this.stateNow === state) return;
      this.stateNow = state;
      this.emit('state', state);
    }
  }

  private async run(): Promise<UploadResult> {
    try {
      const result = await this.transfer();
      this.setFinal('complete'); // even if pause() came during finalize: there is nothing left to pause
      return result;
    } catch (error) {
      if (this.control.cancelled) {
        await this.abortOnBroker();
        this.setFinal('cancelled');
        throw cancelledError();
      }
      this.setFinal('failed');
      throw error instanceof UploadError ? error : new UploadError({ code: 'failed', message: (error as Error).message ?? String(error), cause: error });
    }
  }

  private setFinal(state: 'complete' | 'cancelled' | 'failed'): void {
    this.stateNow = state;
    this.activeState = state;
    this.emit('state', state);
  }

  /** DELETE /:id after a cancel; best effort (what we cannot abort, the broker expires). */
  private async abortOnBroker(): Promise<void> {
    if (this.uploadIdNow === undefined) return;
    await this.broker.abort(this.uploadIdNow).catch(() => undefined);
  }

  private async transfer(): Promise<UploadResult> {
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
        partDone: (part, bytes, attempt) => {
          tracker.add(bytes, now());
          this.emit('part', { part, status: 'done', attempt });
          this.emit('progress', tracker.snapshot());
        },
        partSkipped: (part, bytes) => {
          tracker.skip(bytes);
          this.emit('part', { part, status: 'skipped', attempt: 0 });
        },
        retry: (part, attempt, reason) => this.emit('part', { part, status: 'retry', attempt, reason }),
      },
    };
  }
}
