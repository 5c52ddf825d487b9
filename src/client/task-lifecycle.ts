// The lifecycle both upload tasks share (UploadTask for the PlaceOS API,
// BlobUploadTask for API v1): the run starting on the next tick, pause, resume
// and cancel through one RunControl, and the state machine behind the `state`
// event. What is sent, and what the broker should drop after a failure, stays
// with each task (transfer(), cleanUpOnBroker()).
import { RunControl } from './control.js';
import { TypedEmitter } from './emitter.js';
import { cancelledError, UploadError } from './errors.js';
import type { ProgressTracker } from './progress.js';
import type { TransferEvents } from './transfer-context.js';
import type { UploadEvents, UploadState } from './types.js';

const now = () => Date.now();

export abstract class TaskLifecycle<Result> extends TypedEmitter<UploadEvents> {
  /** Settles with the result once the broker verified the upload (or, API v1, found the blob present); rejects on failure or cancel. */
  readonly done: Promise<Result>;
  protected readonly control: RunControl;
  protected stateNow: UploadState;
  /** The state to return to on resume(). */
  protected activeState: UploadState;
  protected uploadIdNow: string | undefined;
  protected tracker: ProgressTracker | undefined;

  protected constructor(signal: AbortSignal | undefined, initialState: UploadState) {
    super();
    this.control = new RunControl(signal);
    this.stateNow = this.activeState = initialState;
    // Start on the next tick so callers can attach listeners first (and the subclass's constructor has finished).
    this.done = Promise.resolve().then(() => this.run());
    this.done.catch(() => undefined); // the caller may only listen to events; never an unhandled rejection
  }

  get state(): UploadState {
    return this.stateNow;
  }

  /** Known once the broker answered the request that creates the upload (POST / or POST /uploads; at once for an API v1 session's blob). */
  get uploadId(): string | undefined {
    return this.uploadIdNow;
  }

  /** Stops sending: in-flight parts are aborted and sent again on resume(). Hashing the whole file, being local, carries on. */
  pause(): void {
    if (this.isFinal() || !this.control.pause()) return;
    this.setState('paused');
  }

  resume(): void {
    if (!this.control.resume()) return;
    this.tracker?.restartClock(now());
    this.setState(this.activeState);
  }

  /** Aborts everything in flight and drops the upload on the broker (DELETE, or destroy in API v1); resolves when that is done. */
  async cancel(): Promise<void> {
    if (this.isFinal()) return;
    this.control.cancel();
    await this.done.catch(() => undefined);
  }

  /** The whole upload, from the first `state` event to the broker's verification. */
  protected abstract transfer(): Promise<Result>;

  /**
   * After transfer() threw (a cancel included), before the final state: what to
   * drop on the broker, best effort (never rejects). Nothing to do returns
   * undefined, so that the final state follows without yielding in between.
   */
  /** Resolves to the error when the broker refused or failed the clean-up, to undefined when it is done. */
  protected abstract cleanUpOnBroker(error: unknown): Promise<unknown> | undefined;

  protected setState(state: UploadState): void {
    if (state !== 'paused') this.activeState = state;
    if (state === 'paused' || !this.control.paused) {
      if (this.stateNow === state) return;
      this.stateNow = state;
      this.emit('state', state);
    }
  }

  /** The `part` and `progress` events of a part sent, and of a retry. */
  protected partEvents(tracker: ProgressTracker): Pick<TransferEvents, 'partDone' | 'retry'> {
    return {
      partDone: (part, bytes, attempt) => {
        tracker.add(bytes, now());
        this.emit('part', { part, status: 'done', attempt });
        this.emit('progress', tracker.snapshot());
      },
      retry: (part, attempt, reason) => this.emit('part', { part, status: 'retry', attempt, reason }),
    };
  }

  private isFinal(): boolean {
    return this.stateNow === 'complete' || this.stateNow === 'failed' || this.stateNow === 'cancelled';
  }

  private async run(): Promise<Result> {
    try {
      const result = await this.transfer();
      this.setFinal('complete'); // even if pause() came during finalize: there is nothing left to pause
      return result;
    } catch (error) {
      const cleanUp = this.cleanUpOnBroker(error);
      const cleanUpFailure = cleanUp === undefined ? undefined : await cleanUp;
      if (this.control.cancelled) {
        this.setFinal('cancelled');
        // Sending stopped either way; but a broker that did not discard the upload must not be reported as having done so.
        if (cleanUpFailure instanceof Error) {
          const reason = cleanUpFailure instanceof UploadError ? (cleanUpFailure.brokerMessage ?? cleanUpFailure.message) : cleanUpFailure.message;
          throw new UploadError({ code: 'cancel_incomplete', message: `cancelled here, but the broker did not discard the upload: ${reason}`, cause: cleanUpFailure });
        }
        throw cancelledError();
      }
      this.setFinal('failed');
      throw error instanceof UploadError ? error : new UploadError({ code: 'failed', message: (error as Error).message ?? String(error), cause: error });
    }
  }

  private setFinal(state: 'complete' | 'cancelled' | 'failed'): void {
    this.stateNow = this.activeState = state;
    this.emit('state', state);
  }
}
