// The object-store port: what the domain asks of a store (stores/s3.ts, stores/azure.ts).
// Defined in the domain so adapters depend on it, never the reverse; the contract suites
// under test/integration run both stores against the same expectations.
import type { Checksum, ChecksumAlgorithm, ChecksumCheck } from './checksums.js';

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
  /**
   * Parts the store holds for an unfinished upload, ascending ([] when none or unknown upload).
   * `expectedParts`, the parts the upload plans when known, lets a store that pages its
   * listing ask for the pages at once; the answer is the same with or without it.
   */
  listUploadedParts(input: { key: string; resumableId?: string; expectedParts?: number }): Promise<UploadedPart[]>;
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
