// One file through API v1: POST /uploads (or an upload session's upload) →
// parts read once, hashed in order and sent in parallel with signatures asked
// for in batches → POST /uploads/:id/complete?digest=sha-256:… (or PUT the
// session's blob), where the broker commits and verifies. An already_present
// answer ends it without a byte sent.
import { UploadError } from '../errors.js';
import { forEachChunk } from '../hasher.js';
import { ProgressTracker } from '../progress.js';
import { TaskLifecycle } from '../task-lifecycle.js';
import type { UploadSource } from '../types.js';
import { BatchSigner } from './batch-signer.js';
import { V1Client } from './broker.js';
import { toHex, wasmDigests, type DigestFactory } from './digests.js';
import { PartFeed, type PartLayout } from './part-feed.js';
import { PartPipeline } from './part-pipeline.js';
import type { BlobUploadOptions, BlobUploadResult } from './types.js';
import { badResponse, type CompletedUpload, type UploadPlan } from './wire.js';

const now = () => Date.now();

export class BlobUploadTask extends TaskLifecycle<BlobUploadResult> {
  private readonly broker: V1Client;
  private readonly digests: DigestFactory;
  /** Set once the finishing call was sent: a failure after it may have completed the upload, so it is not destroyed. */
  private finishing = false;

  constructor(
    private readonly source: UploadSource,
    private readonly options: BlobUploadOptions,
  ) {
    super(options.signal, 'uploading');
    this.broker = new V1Client({ ...options, ...(options.session?.uploadToken === undefined ? {} : { uploadToken: options.session.uploadToken }) });
    this.digests = options.digests ?? wasmDigests;
  }

  protected override cleanUpOnBroker(error: unknown): Promise<unknown> | undefined {
    // Nothing of an unfinished upload is of use to a later run (it starts afresh): destroy it.
    // After the finishing call, only a refusal proves it did not complete.
    const refused = error instanceof UploadError && error.status !== undefined && error.status >= 400 && error.status < 500;
    if (this.uploadIdNow === undefined || (this.finishing && !refused)) return undefined;
    return this.broker.destroy(this.uploadIdNow).then(() => undefined, (error: unknown) => error);
  }

  protected override async transfer(): Promise<BlobUploadResult> {
    const { source, options, control } = this;
    let sha256 = options.sha256?.toLowerCase();
    if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256)) throw new UploadError({ code: 'bad_request', message: `sha256 must be 64 hex digits, not ${JSON.stringify(options.sha256)}` });
    // The first state, announced now that listeners are attached.
    const prehash = sha256 === undefined && options.dedupe === true && !options.session;
    this.stateNow = this.activeState = prehash ? 'hashing' : 'uploading';
    this.emit('state', this.stateNow);
    if (prehash) {
      sha256 = await this.hashWhole();
      this.setState('uploading');
    }
    const plan = options.session ? options.session.upload : await this.initiate(sha256);
    if ('blob' in plan) return plan.blob;
    this.uploadIdNow = plan.id;
    control.cancelSignal.throwIfAborted(); // cancelled while POST /uploads was answered: run() destroys it

    const layout = checkLayout(plan, source.size);
    const tracker = (this.tracker = new ProgressTracker(source.size, layout.partCount, now()));
    this.emit('progress', tracker.snapshot());
    const feed = new PartFeed(source, layout, this.digests, sha256);
    const signer = new BatchSigner({
      sign: (parts, signal) => this.broker.signParts(plan.id, parts, signal),
      signal: control.cancelSignal,
      ...(options.signBatch === undefined ? {} : { maxBatch: options.signBatch }),
    });
    const parallel = Math.max(1, Math.floor(options.parallel ?? 4));
    const pipeline = new PartPipeline({
      feed,
      signer,
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      control,
      parallel,
      readAhead: Math.max(0, Math.floor(options.readAhead ?? parallel)),
      retries: Math.max(0, options.retries ?? 5),
      retryDelayMs: options.retryDelayMs ?? 500,
      events: this.partEvents(tracker),
    });
    const partsSent = await pipeline.run();
    const digest = await feed.sha256(); // the sha256 given or hashed first, or the read failed (source_changed)
    await control.waitWhilePaused();
    this.setState('finishing');
    this.finishing = true;
    const base = { id: plan.id, fileName: source.name, size: source.size, sha256: digest, alreadyPresent: false, partsSent };
    if (options.session) {
      const verified = await this.broker.verifySessionBlob(options.session.id, digest, control.cancelSignal);
      return { ...base, alreadyPresent: verified.alreadyPresent, blob: verified.blob };
    }
    const completed = await this.complete(plan.id, digest);
    return { ...base, verified: completed.verified };
  }

  /** POST /uploads; an already_present answer becomes the result (every byte counted as skipped). */
  private async initiate(sha256: string | undefined): Promise<UploadPlan | { blob: BlobUploadResult }> {
    const { source, options } = this;
    const mime = options.mime ?? source.type;
    const answer = await this.broker.initiate(
      {
        filename: source.name,
        size: source.size,
        ...(sha256 === undefined ? {} : { sha256 }),
        ...(mime ? { content_type: mime } : {}),
        ...(options.temporary === undefined ? {} : { temporary: options.temporary }),
        ...(options.storageId === undefined ? {} : { storage_id: options.storageId }),
        ...(options.tags === undefined ? {} : { tags: options.tags }),
      },
      this.control.cancelSignal,
    );
    if (answer.already_present !== true) return answer;
    if (sha256 === undefined || answer.blob.sha256.toLowerCase() !== sha256 || answer.blob.size !== source.size) throw badResponse('already_present (another digest or size)', answer);
    this.uploadIdNow = answer.id;
    const tracker = (this.tracker = new ProgressTracker(source.size, 0, now()));
    tracker.skip(source.size, 0);
    this.emit('progress', tracker.snapshot());
    return { blob: { id: answer.id, fileName: source.name, size: source.size, sha256, alreadyPresent: true, blob: answer.blob, partsSent: 0 } };
  }

  /**
   * POST …/complete. Its answer may be lost after the broker completed (the
   * retry then meets a completed upload): a record that is complete with this
   * digest is the answer we missed.
   */
  private async complete(id: string, digest: string): Promise<CompletedUpload> {
    try {
      return await this.broker.complete(id, digest, this.control.cancelSignal);
    } catch (error) {
      if (!(error instanceof UploadError) || error.status !== 409) throw error;
      const record = await this.broker.record(id, this.control.cancelSignal).catch(() => Promise.reject(error));
      if (record.state !== 'complete' || record.sha256 !== digest || typeof record.verified !== 'string') throw error;
      return { id, sha256: digest, size: record.size, verified: record.verified };
    }
  }

  /** The whole file's SHA-256 before anything is sent (dedupe), with hashing events. */
  private async hashWhole(): Promise<string> {
    const { source } = this;
    const hash = await this.digests.sha256();
    let hashed = 0;
    await forEachChunk(
      source,
      0,
      source.size,
      (bytes) => {
        hash.update(bytes);
        this.emit('hashing', { bytesHashed: (hashed += bytes.length), bytesTotal: source.size });
      },
      this.control.cancelSignal,
    );
    return toHex(hash.digest());
  }
}

/** The broker's plan as byte ranges; a plan that does not cover the file exactly is refused. */
function checkLayout(plan: UploadPlan, size: number): PartLayout {
  if (plan.strategy === 'single') {
    if (plan.part_count !== 1) throw badResponse('single-strategy plan', plan);
    return { partSize: Math.max(1, size), partCount: 1 };
  }
  const covers = plan.part_size > 0 && (plan.part_count - 1) * plan.part_size < size && plan.part_count * plan.part_size >= size;
  if (!covers) throw badResponse(`multipart plan for ${size} bytes`, plan);
  return { partSize: plan.part_size, partCount: plan.part_count };
}
