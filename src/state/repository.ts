// Where upload records live. Implementations: memory.ts (embedded default) and
// redis.ts. test/integration/repository.contract.test.ts runs against both.
import type { PartRecord, UploadRecord, UploadState } from '../domain/upload.js';

/** What identifies "the same upload" for resume (PROTOCOL.md: owner + name + size + file_id). */
export interface ResumeKey {
  tenant: string;
  owner: string;
  fileName: string;
  fileSize: number;
  fileMd5: string;
}

export type RecordChanges = Partial<Pick<UploadRecord, 'state' | 'resumableId' | 'updatedAt' | 'expiresAt'>>;

export interface ListQuery {
  tenant: string;
  owner: string;
  /** Substring of the file name, case-insensitive. */
  search?: string;
  /** Every tag must be present. */
  tags?: string[];
  storageId?: string;
  limit: number;
  offset: number;
}

export interface ListResult {
  items: UploadRecord[];
  total: number;
}

export interface MarkDoneResult {
  /** Parts whose reported MD5 differs from the one the broker signed. Nothing was changed for them. */
  conflicts: number[];
  /** Parts reported done that were never signed. Ignored. */
  unknown: number[];
}

export interface UploadRepository {
  /** Store a new record and index it for resume and listing. */
  create(record: UploadRecord): Promise<void>;
  get(id: string): Promise<UploadRecord | undefined>;
  /** Set some fields; returns the updated record, or undefined if it does not exist. */
  update(id: string, changes: RecordChanges): Promise<UploadRecord | undefined>;
  /**
   * Atomically move the state from one of `from` to `to` (compare-and-set).
   * Returns false (and changes nothing) if the current state is not in `from`.
   */
  transition(id: string, from: UploadState[], to: UploadState, at: number): Promise<boolean>;
  /** Record the MD5 signed into part N's URL (atomic per part; overwrites an earlier signature). */
  recordPartSignature(id: string, part: PartRecord): Promise<void>;
  /** Mark parts the client reports as done, atomically, refusing MD5 conflicts. */
  markPartsDone(id: string, parts: Array<{ part: number; md5?: string }>): Promise<MarkDoneResult>;
  /** All parts recorded for the upload, ascending. */
  listParts(id: string): Promise<PartRecord[]>;
  /** The newest upload with this resume key, if any (any state: the domain decides). */
  findByResumeKey(key: ResumeKey): Promise<string | undefined>;
  list(query: ListQuery): Promise<ListResult>;
  /** Close connections. */
  close(): Promise<void>;
}
