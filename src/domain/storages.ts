// The configured storages and which one takes a file. PlaceOS always signs
// with the current default storage; we pin an upload to the storage it was
// created in and look it up by id from then on.
import { errors } from './errors.js';
import { filterRefusal, sizeRefusal, type FileFilters } from './file-policy.js';
import type { PartPolicy } from './part-plan.js';
import type { BlobStore } from './ports.js';
import type { Caller, DigestCheck, StoreType } from './upload.js';

/** Whose verified blobs a new upload with the same digest may share (never across tenants). */
export type DedupeScope = 'owner' | 'tenant' | 'off';

export interface Storage {
  id: string;
  type: StoreType;
  isDefault: boolean;
  /** How a SHA-256 is established at completion. */
  verification: DigestCheck;
  dedupe: DedupeScope;
  /** Seed 004's part rules for this storage: the store's limits narrowed by config. */
  partPolicy: PartPolicy;
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
    // Retrying cannot help: the upload's storage was removed from the configuration.
    if (!storage) throw errors.conflict(`the storage of this upload (${id}) is no longer configured; start a new upload`);
    return storage;
  }

  all(): readonly Storage[] {
    return this.#storages;
  }

  /** The requested storage if the caller's tenant may use it, else the tenant's default; 403/400 when there is none. */
  usableBy(caller: Caller, requestedId?: string): Storage {
    const usable = this.#storages.filter((s) => !s.tenants || s.tenants.includes(caller.tenant));
    const storage = requestedId === undefined ? usable[0] : usable.find((s) => s.id === requestedId);
    if (storage) return storage;
    throw requestedId === undefined
      ? errors.forbidden('no storage is configured for your tenant')
      : errors.badRequest(`storage ${JSON.stringify(requestedId)} is not a storage you may use`);
  }

  /**
   * The storage that takes this file for this caller: the requested one, else the
   * tenant's default (PlaceOS: one default storage). Its filters decide; a refused
   * file does not silently fall through to another storage.
   */
  choose(caller: Caller, file: FileDescription, requestedId?: string): Storage {
    const storage = this.usableBy(caller, requestedId);
    const filterReason = filterRefusal(storage.filters, file.fileName, file.mime);
    if (filterReason) throw errors.invalidFile(filterReason);
    const sizeReason = sizeRefusal(storage.filters, file.fileSize);
    if (sizeReason) throw errors.tooLarge(sizeReason);
    return storage;
  }
}
