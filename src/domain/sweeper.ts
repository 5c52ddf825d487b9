// The sweeper: what no client will come back for. Every unfinished upload of
// every protocol past its expiry has its store-side multipart upload aborted
// (parts cost money until then) and is marked expired; every temporary upload
// past its lifetime lets go of its object (deleted when no record holds it)
// and is marked expired. Later calls answer 410. Safe with several broker
// processes sweeping at once: each upload is claimed in the repository first.
import type { DomainContext } from './context.js';
import { emitTransition } from './events.js';
import { releaseObject } from './lifecycle.js';
import { releaseQuota } from './quotas.js';
import { effectiveState } from './state-machine.js';

export interface SweepResult {
  /** Unfinished uploads whose store upload was aborted and which are now expired. */
  expired: number;
  /** Temporary uploads whose lifetime ended. */
  released: number;
}

const CLAIM_MS = 60_000;

/** One round: at most `limit` due uploads. `holder` names this sweeper (one per process). */
export async function sweep(ctx: DomainContext, holder: string, limit = 100): Promise<SweepResult> {
  const result: SweepResult = { expired: 0, released: 0 };
  const now = ctx.clock.now();
  for (const id of await ctx.repo.dueForSweep(now, limit)) {
    if (!(await ctx.repo.claim(`sweep:${id}`, holder, CLAIM_MS))) continue;
    const record = await ctx.repo.get(id);
    if (!record) {
      await ctx.repo.unschedule(id);
      continue;
    }
    const state = effectiveState(record, now);
    if (state === 'pending' || state === 'uploading') {
      // Activity moved its expiry on: look again then.
      await ctx.repo.schedule(id, record.expiresAt);
    } else if (state === 'expired' && record.state !== 'expired') {
      const storage = ctx.storages.byId(record.storageId);
      await storage.store.abort({ key: record.objectKey, ...(record.resumableId === undefined ? {} : { resumableId: record.resumableId }) });
      if (await ctx.repo.transition(id, [record.state], 'expired', now)) {
        result.expired += 1;
        await emitTransition(ctx, 'upload.expired', record, 'expired', now);
        await releaseQuota(ctx, record);
      }
      await ctx.repo.unschedule(id);
    } else if (state === 'complete' && record.deleteAt !== undefined && record.deleteAt <= now) {
      if (await ctx.repo.transition(id, ['complete'], 'expired', now)) {
        await emitTransition(ctx, 'upload.expired', record, 'expired', now);
        await releaseObject(ctx, record);
        result.released += 1;
      }
    } else if (state === 'complete' && record.deleteAt !== undefined) {
      await ctx.repo.schedule(id, record.deleteAt);
    } else {
      await ctx.repo.unschedule(id);
    }
  }
  return result;
}
