// The upload-record port: what the domain asks of its state (state/memory.ts, state/redis.ts).
// Defined in the domain so adapters depend on it, never the reverse; the repository contract
// suites under test/integration run both against the same expectations.
import type { PartRecord, UploadRecord, UploadState } from './upload.js';
import type { QuotaLedger } from './quota-port.js';


/** What identifies "the same upload" for resume: owner + name + size + whole-file MD5. */
export interface ResumeKey {
  tenant: string;
  owner: string;
  fileName: string;
  fileSize: number;
  fileMd5: string;
}

export type RecordChanges = Partial<Pick<UploadRecord, 'state' | 'resumableId' | 'updatedAt' | 'expiresAt' | 'fileSize' | 'sha256' | 'digestCheck' | 'deleteAt' | 'integrity' | 'readBackBytes'>>;

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

export interface DoneReport {
  part: number;
  /** Canonical base64 MD5 the client reported, if any. */
  md5?: string;
  /** The MD5 exactly as the client wrote it, kept to answer it back in the same spelling. */
  reported?: string;
}

/** A signature request's writes, checked and made in one atomic step (recordSignedParts). */
export interface SignStep {
  /** Refused unless the record still has these: whom access was checked against, and an open state (not past its expiry). */
  expect: { tenant: string; owner: string; uploadToken: string; states: UploadState[] };
  /** Refused when no multipart upload id is recorded and none is reported, or the one reported is another. */
  requireResumableId: boolean;
  /** Parts reported done; an MD5 that differs from the signed one refuses the whole step. */
  done: DoneReport[];
  /** The parts signed now, each recorded afresh (a re-signed part is no longer done). */
  parts: PartRecord[];
  /** Activity (updatedAt, expiresAt, a reported multipart id); absent for a signature asked for without a report. */
  touch?: { updatedAt: number; expiresAt: number; resumableId?: string };
}

/** Signed: the fields the step may change, as they now are (pending moved to uploading). Refused: nothing was written; the record as it is. */
export type SignStepResult = { signed: true; changed: SignStepChanges } | { signed: false; record: UploadRecord; conflicts: number[] };

export type SignStepChanges = Pick<UploadRecord, 'state' | 'updatedAt' | 'expiresAt'> & { resumableId?: string };

/** Where dedupe and downloads by digest look for a verified blob: same storage, same tenant, same SHA-256. */
export interface BlobKey {
  storageId: string;
  tenant: string;
  sha256: string;
}

/** An upload session (seed 002): a set of blobs addressed by SHA-256, one token for all of them. */
export interface UploadSession {
  id: string;
  owner: string;
  tenant: string;
  /** Stands in for the user's credentials on the session's routes and its uploads'. */
  token: string;
  temporary: boolean;
  state: 'open' | 'complete';
  createdAt: number;
  expiresAt: number;
  blobs: SessionBlob[];
}

export interface SessionBlob {
  sha256: string;
  size: number;
  mime?: string;
  name?: string;
  /** The upload that brings this blob: a new one, or a completed record sharing a present object. */
  uploadId: string;
  alreadyPresent: boolean;
}

/** The quota ledger (quota-port.ts) is part of it: check and count must be atomic with the state. */
export interface UploadRepository extends QuotaLedger {
  /** Store a new record and index it for resume (when it has a whole-file MD5) and listing. */
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
  markPartsDone(id: string, parts: DoneReport[]): Promise<MarkDoneResult>;
  /**
   * A part signature's every write in one step, so signing costs the state store one round
   * trip: checks `expect` and the reports, then marks the reports done, records the parts and
   * touches the record, or writes nothing. undefined when there is no such upload.
   */
  recordSignedParts(id: string, step: SignStep): Promise<SignStepResult | undefined>;
  /** All parts recorded for the upload, ascending. */
  listParts(id: string): Promise<PartRecord[]>;
  /** The newest upload with this resume key, if any (any state: the domain decides). */
  findByResumeKey(key: ResumeKey): Promise<string | undefined>;
  list(query: ListQuery): Promise<ListResult>;

  /** Index a verified record under its blob (dedupe). */
  indexBlob(key: BlobKey, id: string): Promise<void>;
  /** Ids indexed under this blob, newest first; the domain checks each record again. */
  findBlob(key: BlobKey): Promise<string[]>;
  unindexBlob(key: BlobKey, id: string): Promise<void>;
  /** One more record shares this object; returns how many do. */
  retainObject(storageId: string, objectKey: string): Promise<number>;
  /** One record fewer shares it; returns how many still do (≤ 0: nobody, delete the object). */
  releaseObject(storageId: string, objectKey: string): Promise<number>;

  createSession(session: UploadSession): Promise<void>;
  /** The session, until retention after its expiry. */
  getSession(id: string): Promise<UploadSession | undefined>;
  updateSession(id: string, changes: Partial<Pick<UploadSession, 'state' | 'expiresAt'>>): Promise<UploadSession | undefined>;

  /** Have the sweeper look at this upload at `at` (ms since epoch); create() schedules at expiresAt. */
  schedule(id: string, at: number): Promise<void>;
  unschedule(id: string): Promise<void>;
  /** Up to `limit` upload ids due at `now`, earliest first. */
  dueForSweep(now: number, limit: number): Promise<string[]>;
  /** Takes the named claim for ttlMs unless another holder has it; true when taken. */
  claim(name: string, holder: string, ttlMs: number): Promise<boolean>;

  /** Close connections. */
  close(): Promise<void>;
}
