// The upload lifecycle: pending → uploading → complete, or aborted / expired.
// PlaceOS has no states at all (it lets a client PATCH a finished upload);
// every mutating operation here asks this module first.
import { errors } from './errors.js';
import type { UploadRecord, UploadState } from './upload.js';

export type UploadAction = 'sign' | 'finalize' | 'abort' | 'read' | 'resume';

/** The state as of `now`: an unfinished upload past its expiry is expired. */
export function effectiveState(record: Pick<UploadRecord, 'state' | 'expiresAt'>, now: number): UploadState {
  if ((record.state === 'pending' || record.state === 'uploading') && now > record.expiresAt) return 'expired';
  return record.state;
}

const OPEN: UploadState[] = ['pending', 'uploading'];

/** Throws the conflict / expiry error for an action the state does not allow. */
export function assertAllowed(record: UploadRecord, action: UploadAction, now: number): void {
  const state = effectiveState(record, now);
  if (state === 'expired' && action !== 'abort') throw errors.expired(record.id);
  switch (action) {
    case 'sign':
    case 'resume':
      if (!OPEN.includes(state)) throw errors.conflict(`upload ${record.id} is ${state}; it takes no more parts`);
      return;
    case 'finalize':
      if (state === 'aborted') throw errors.conflict(`upload ${record.id} was aborted`);
      return;
    case 'read':
      if (state !== 'complete') throw errors.conflict(`upload ${record.id} is ${state}, not complete; nothing to read yet`);
      return;
    case 'abort':
      return;
  }
}

/** Whether a POST with the same resume key may continue this upload rather than start a new one. */
export function isResumable(record: UploadRecord, now: number): boolean {
  return OPEN.includes(effectiveState(record, now));
}

export const STATES_BEFORE_COMPLETE = OPEN;
