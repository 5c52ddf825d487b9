// Everything the domain needs, injected once by createApp.
import type { Clock, IdGenerator } from './clock.js';
import type { StorageRegistry } from './storages.js';
import type { UploadRepository } from './ports.js';
import type { RecentRecords } from './recent-records.js';
import type { UploadEvents } from './events.js';

export interface Limits {
  /** Files up to this size go in one PUT. */
  directUploadThreshold: number;
  /** Lifetime of part, commit and list signatures. */
  partUrlExpirySeconds: number;
  /** Cap on the client's `expires` for a direct upload's signature. */
  maxUploadExpiryMinutes: number;
  defaultReadLinkMinutes: number;
  maxReadLinkMinutes: number;
  /** An unfinished upload expires this long after its last activity. */
  uploadTtlMinutes: number;
  maxListLimit: number;
  /** A temporary upload's object is deleted this long after it completes. */
  temporaryTtlMinutes: number;
  /** Objects read back and hashed at once (each streams; none is buffered whole). */
  readBackConcurrency: number;
  /** Unfinished uploads one user may have at once (domain/quotas.ts); absent: no cap. */
  maxUnfinishedUploadsPerUser?: number;
  /** Bytes a tenant's uploads may hold: its own figure, else the default; absent: no quota. */
  tenantQuotas?: { defaultBytes?: number; byTenant: Record<string, number> };
}

export const DEFAULT_LIMITS: Limits = {
  directUploadThreshold: 5 * 1024 * 1024,
  partUrlExpirySeconds: 300,
  maxUploadExpiryMinutes: 60,
  defaultReadLinkMinutes: 60,
  maxReadLinkMinutes: 1440,
  uploadTtlMinutes: 1440,
  maxListLimit: 1000,
  temporaryTtlMinutes: 1440,
  readBackConcurrency: 2,
};

export interface DomainContext {
  repo: UploadRepository;
  /**
   * Form uploads this process handed out whose object has not been seen yet: their clients
   * never report back, so checkFormArrivals (run on a timer by main.ts) looks in the store.
   */
  formArrivals: Set<string>;
  /** Records this process last read or signed (recent-records.ts): a part signature's one round trip. */
  recentRecords: RecentRecords;
  storages: StorageRegistry;
  clock: Clock;
  ids: IdGenerator;
  limits: Limits;
  /** Where upload events go (webhooks); none configured: nowhere. */
  events?: UploadEvents;
}
