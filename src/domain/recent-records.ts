// Records as this process last read or signed them, so a part signature costs the state store
// one round trip (the atomic sign step) instead of a read and then a write. One per app, in
// its DomainContext. Only what never changes after create is trusted from a copy here (owner,
// tenant, token, storage, key, kind, plan); the state, expiry and multipart id are checked
// again inside the atomic step, and a copy that fails a check is read again before a request
// is refused.
import { LRUCache } from 'lru-cache';
import type { UploadRecord } from './upload.js';

const DEFAULT_LIMIT = 4096;

export class RecentRecords {
  readonly #records: LRUCache<string, UploadRecord>;

  constructor(limit = DEFAULT_LIMIT) {
    this.#records = new LRUCache({ max: limit });
  }

  get(id: string): UploadRecord | undefined {
    return this.#records.get(id);
  }

  /** Beyond the limit, the record used least recently goes first. */
  remember(record: UploadRecord): void {
    this.#records.set(record.id, record);
  }

  forget(id: string): void {
    this.#records.delete(id);
  }
}
