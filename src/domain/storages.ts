// The configured storages and which one takes a file. PlaceOS always signs
// with the current default storage; we pin an upload to the storage it was
// created in and look it up by id from then on.
import { errors } from './errors.js';
import { filterRefusal, sizeRefusal, type FileFilters } from './file-policy.js';
import type { BlobStore } from '../stores/blob-store.js';
import type { Caller, StoreType } from './upload.js';

export interface Storage {
  id: string;
  type: StoreType;
  isDefault: boolean;
  /** Tenants allowed to use it; undefined = every tenant. */
  tenants?: string[];
  filters: FileFilters;
  store: BlobStore;
}

export interface FileDescription {
  fileName: string;
  fileSize: number;
  mime?: string;
}

export class StorageRegistry {
  readonly #storages: Storage[];

  constructor(storages: Storage[]) {
    // Default first, then in configuration order.
    this.#storages = [...storages].sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
  }

  /** The storage an existing upload lives in. */
  byId(id: string): Storage {
    const storage = this.#storages.find((s) => s.id === id);
    if (!storage) throw errors.storeUnavailable(`storage ${id} is no longer configured`);
    return storage;
  }

  all(): readonly Storage[] {
    return this.#storages;
  }

  /**
   * The storage that takes this file for this caller: the requested one, else the
   * first (default first) whose filters accept it. Refusals name the reason.
   */
  choose(caller: Caller, file: FileDescription, requestedId?: string): Storage {
    const usable = this.#storages.filter((s) => !s.tenants || s.tenants.includes(caller.tenant));
    const candidates = requestedId === undefined ? usable : usable.filter((s) => s.id === requestedId);
    if (candidates.length === 0) {
      throw requestedId === undefined
        ? errors.notFound('no storage is configured for your tenant')
        : errors.badRequest(`storage_id ${JSON.stringify(requestedId)} is not a storage you may use`);
    }
    let firstRefusal: { reason: string; tooLarge: boolean } | undefined;
    for (const storage of candidates) {
      const filterReason = filterRefusal(storage.filters, file.fileName, file.mime);
      const sizeReason = sizeRefusal(storage.filters, file.fileSize);
      if (!filterReason && !sizeReason) return storage;
      firstRefusal ??= { reason: (filterReason ?? sizeReason) as string, tooLarge: !filterReason };
    }
    const refusal = firstRefusal as { reason: string; tooLarge: boolean };
    throw refusal.tooLarge ? errors.tooLarge(refusal.reason) : errors.invalidFile(refusal.reason);
  }
}
