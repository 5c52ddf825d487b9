// The ports the domain needs, defined here so that adapters depend on the
// domain and never the reverse: BlobStore (stores/s3.ts, stores/azure.ts) and
// UploadRepository (state/memory.ts, state/redis.ts). Contract suites under
// test/integration run every implementation against the same expectations.
import type { Checksum, ChecksumAlgorithm, ChecksumCheck } from './checksums.js';
import type { PartRecord, UploadRecord, UploadState } from './upload.js';

// ───────────────────────────── object stores ─────────────────────────────

/** A request the client sends to the store itself. */
export interface SignedRequest {
  verb: 'PUT' | 'POST' | 'GET' | 'DELETE';
  /** Empty where there is nothing to send (a store whose multipart uploads need no initiation). */
  url: string;
  headers: Record<string, string>;
}

export interface SignedCommit extends SignedRequest {
  /** The request body the client must send (S3 CompleteMultipartUpload / Azure Put Block List XML). */
  body: string;
}

/** A browser form upload: POST `url` as multipart/form-data with every field, the file last. */
export interface SignedPost {
  url: string;
  fields: Record<string, string>;
}

/** The size rules of a store's multipart uploads. */
export interface StoreLimits {
  maxParts: number;
  /** Every part but the last must be at least this big (S3: EntityTooSmall). */
  minPartSize: number;
  maxPartSize: number;
  maxObjectSize: number;
  /** Largest object one single request may write (S3 PutObject and POST: 5 GiB). */
  maxSingleSize: number;
  /** The part size chosen when the file is small enough for it. */
  preferredPartSize: number;
}

/** What a store can do and enforce. The domain asks these; it never asks which store it is. */
export interface StoreCapabilities {
  limits: StoreLimits;
  /**
   * How a part's MD5 is enforced: 'signed' when the signature binds it, so the store
   * refuses a request without it or with other bytes (S3 Content-MD5 as a signed header);
   * 'if-sent' when the store checks it only if the client sends the header (Azure SAS).
   */
  partMd5: 'signed' | 'if-sent';
  /** A part's length can be bound into its signature (S3 Content-Length). */
  bindsPartLength: boolean;
  /** Multipart uploads must be initiated first and get an id (S3 CreateMultipartUpload → UploadId). */
  needsInitiation: boolean;
  /** The store can list the parts of an unfinished multipart upload. */
  listsParts: boolean;
  /** The store reports a part's MD5 in its listing (S3 ETag of a plain part). */
  listsPartMd5: boolean;
  /** The store can copy a range of an existing object into a part. */
  copiesParts: boolean;
  /** The store accepts browser form uploads under a signed policy (S3 POST Object). */
  formUploads: boolean;
  /** The store refuses a request whose body differs from a signed x-amz-checksum-sha256 (AWS S3; Swift ignores it). */
  checksSha256: boolean;
  /** The part checksums this store can be given, and how it treats each. */
  checksums: Partial<Record<ChecksumAlgorithm, ChecksumCheck>>;
}

export interface PartDigest {
  part: number;
  /** Base64 MD5 of the part's bytes. */
  md5: string;
}

export interface PresignDirectInput {
  key: string;
  /** Base64 MD5 of the whole file; the store rejects other bytes. */
  md5?: string;
  /** Base64 SHA-256 of the whole file, bound where the store checks it (capabilities.checksSha256). */
  sha256?: string;
  size: number;
  mime: string;
  expiresInSeconds: number;
}

export interface PresignInitInput {
  key: string;
  mime: string;
  expiresInSeconds: number;
}

export interface PresignPartInput {
  key: string;
  /** The multipart upload's id where the store needs one. */
  resumableId?: string;
  part: number;
  /** Base64 MD5 bound into the request; absent for clients that send no headers (the URL then binds nothing but the part). */
  md5?: string;
  /** Base64 SHA-256 of the part, bound where the store checks it (capabilities.checksSha256). */
  sha256?: string;
  /** One more checksum in another algorithm the store takes (capabilities.checksums). */
  checksum?: Checksum;
  /** Bound as Content-Length where the store can (capabilities.bindsPartLength). */
  size?: number;
  expiresInSeconds: number;
}

export interface PresignCommitInput {
  key: string;
  resumableId?: string;
  /** In ascending part order. */
  parts: PartDigest[];
  fileMd5?: string;
  mime: string;
  expiresInSeconds: number;
}

export interface PresignReadInput {
  key: string;
  expiresInSeconds: number;
  /** Suggested download name (Content-Disposition). */
  fileName?: string;
  mime?: string;
}

export interface PresignFormInput {
  key: string;
  mime: string;
  /** content-length-range the policy allows. */
  minSize: number;
  maxSize: number;
  expiresInSeconds: number;
}

export interface UploadedPart {
  part: number;
  size: number;
  /** Hex MD5 when the store reports one (S3 ETag of a plain part). */
  md5Hex?: string;
}

export interface StoredObject {
  size: number;
}

/** What finalize expects the store to hold, from the broker's records. */
export interface ExpectedObject {
  key: string;
  size: number;
  kind: 'direct' | 'chunked';
  /** Base64 MD5 of the whole file, when the broker knows it. */
  fileMd5?: string;
  /** Chunked: the recorded parts, ascending, each with the MD5 the broker signed or listed. */
  parts: PartDigest[];
  /** Chunked: each recorded part's size where the broker knows it. */
  partSizes: Map<number, number>;
}

/** The store's judgement; `sha256` (hex) when it read the object back to judge it. */
export type Verdict = { ok: true; size: number; sha256?: string } | { ok: false; reason: string };

export interface CopyPartInput {
  key: string;
  resumableId?: string;
  part: number;
  sourceKey: string;
  /** Inclusive byte offsets in the source. */
  first: number;
  last: number;
}

export interface CompleteMultipartInput {
  key: string;
  resumableId?: string;
  /** Ascending, with the MD5 each part must have. */
  parts: PartDigest[];
  mime: string;
  fileMd5?: string;
}

export interface BlobStore {
  readonly capabilities: StoreCapabilities;

  // What the client sends to the store itself.
  presignDirectPut(input: PresignDirectInput): Promise<SignedRequest>;
  /** Multipart initiation for the client to send (url '' where none is needed). */
  presignInit(input: PresignInitInput): Promise<SignedRequest>;
  presignPart(input: PresignPartInput): Promise<SignedRequest>;
  presignCommit(input: PresignCommitInput): Promise<SignedCommit>;
  presignRead(input: PresignReadInput): Promise<string>;
  /** A listing request the client may send (url '' where the store offers none to clients). */
  presignListParts(input: { key: string; resumableId?: string; expiresInSeconds: number }): Promise<SignedRequest>;
  /** A form upload under a policy binding key, type and size (capabilities.formUploads). */
  presignForm(input: PresignFormInput): Promise<SignedPost>;

  // What the broker does in the store itself.
  /** Starts a multipart upload; the id is '' where the store needs none. */
  initiateMultipart(input: { key: string; mime: string }): Promise<{ resumableId: string }>;
  /** Parts the store holds for an unfinished upload, ascending ([] when none or unknown upload). */
  listUploadedParts(input: { key: string; resumableId?: string }): Promise<UploadedPart[]>;
  /** Commits exactly these parts (S3 CompleteMultipartUpload, Azure Put Block List). */
  completeMultipart(input: CompleteMultipartInput): Promise<void>;
  /** The committed object's size, or undefined when there is none. */
  statObject(input: { key: string }): Promise<StoredObject | undefined>;
  /** Checks the stored object against what the broker recorded, by this store's own evidence. */
  verifyObject(expected: ExpectedObject): Promise<Verdict>;
  /** Aborts an unfinished multipart upload and deletes the object. Idempotent. */
  abort(input: { key: string; resumableId?: string }): Promise<void>;
  /**
   * Has the store copy bytes first..last of another object into part N of this multipart
   * upload (S3 UploadPartCopy; Azure Put Block From URL). Returns the part's MD5 (base64)
   * when the store reports one.
   */
  copyPart(input: CopyPartInput): Promise<{ md5?: string }>;
  /** The object's bytes, streamed (read-back verification); never buffered whole. */
  readObject(input: { key: string }): Promise<AsyncIterable<Uint8Array>>;
  /**
   * Makes a verified object unchangeable by any request signed before: S3 aborts every
   * multipart upload of the key still open (one could be committed over it); Azure takes a
   * lease (a part or commit SAS could still Put Blob over it). Idempotent.
   */
  sealObject(input: { key: string }): Promise<void>;
}

// ───────────────────────────── upload records ─────────────────────────────

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

export interface UploadRepository {
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
