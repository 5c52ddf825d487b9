// Upload events: what the broker tells the outside world (webhooks) when an upload's state
// changes. Each is emitted only by the call whose repository step made the change (create, or a
// transition that answered true), so several broker processes racing on one upload emit it once.
import type { DomainContext } from './context.js';
import type { UploadRecord, UploadState } from './upload.js';

export const UPLOAD_EVENT_TYPES = ['upload.created', 'upload.completed', 'upload.aborted', 'upload.expired'] as const;
export type UploadEventType = (typeof UPLOAD_EVENT_TYPES)[number];

export interface UploadEvent {
  type: UploadEventType;
  /** When the change happened (ms since epoch, the injected clock). */
  occurredAt: number;
  /** The record as the change left it. */
  upload: UploadRecord;
}

/**
 * Where events go (webhooks/outbox.ts queues them for delivery). publish resolves once the
 * event is queued, or — when the queue is unreachable — once it has been kept aside, logged
 * and counted; it never rejects: the change it reports has happened, and the caller's answer
 * must say so.
 */
export interface UploadEvents {
  publish(event: UploadEvent): Promise<void>;
}

/** Stores a new record and says so. */
export async function createRecord(ctx: DomainContext, record: UploadRecord): Promise<void> {
  await ctx.repo.create(record);
  await emitUploadEvent(ctx, 'upload.created', record);
}

/** Tells of a transition this call made (its repo.transition answered true). */
export async function emitTransition(ctx: DomainContext, type: UploadEventType, record: UploadRecord, state: UploadState, at: number): Promise<void> {
  await emitUploadEvent(ctx, type, { ...record, state, updatedAt: at });
}

export async function emitUploadEvent(ctx: DomainContext, type: UploadEventType, upload: UploadRecord): Promise<void> {
  await ctx.events?.publish({ type, occurredAt: ctx.clock.now(), upload });
}
