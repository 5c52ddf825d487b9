// What the direct and chunked transfers share: the broker, the store's fetch,
// the source, the hasher, the run's control and the task's event hooks.
import type { BrokerClient } from './broker-client.js';
import type { RunControl } from './control.js';
import type { Hasher } from './hasher.js';
import type { UploadSource } from './types.js';

export interface TransferEvents {
  partDone(part: number, bytes: number, attempt: number): void;
  partSkipped(part: number, bytes: number): void;
  retry(part: number, attempt: number, reason: string): void;
}

export interface TransferContext {
  broker: BrokerClient;
  fetch: typeof fetch;
  source: UploadSource;
  hasher: Hasher;
  control: RunControl;
  parallel: number;
  retries: number;
  retryDelayMs: number;
  events: TransferEvents;
}

/** A retry's reason, as the `part` event reports it. */
export const RETRY_REASON = { resign: 'signature_expired', reread: 'corrupted', retry: 'transient', fatal: 'fatal' } as const;
