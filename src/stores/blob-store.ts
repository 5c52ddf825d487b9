// The one interface every object store adapter implements. Adapters translate
// SDK errors into SignpostError (errors.storeFailed / storeUnavailable /
// storeTimeout) and never choose HTTP statuses.
import type { Residence, StoreType } from '../domain/upload.js';

/** A request the client sends to the store itself. */
export interface SignedRequest {
  verb: 'PUT' | 'POST' | 'GET' | 'DELETE';
  /** Empty for Azure's chunked init: there is nothing to initialise. */
  url: string;
  headers: Record<string, string>;
}

export interface SignedCommit extends SignedRequest {
  /** The request body the client must send (S3 CompleteMultipartUpload / Azure Put Block List XML). */
  body: string;
}

export interface PartDigest {
  part: number;
  /** Base64 MD5 of the part's bytes. */
  md5: string;
}

export interface PresignDirectInput {
  key: string;
  /** Base64 MD5 of the whole file; the store rejects other bytes. */
  md5: string;
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
  /** S3 UploadId; ignored by Azure. */
  resumableId?: string;
  part: number;
  md5: string;
  /** Signed as Content-Length where the store can bind it (S3). */
  size?: number;
  expiresInSeconds: number;
}

export interface PresignCommitInput {
  key: string;
  resumableId?: string;
  /** In ascending part order. */
  parts: PartDigest[];
  fileMd5: string;
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

export interface UploadedPart {
  part: number;
  size: number;
  /** Hex MD5 when the store reports it (S3 ETag of a plain part). */
  md5Hex?: string;
}

export interface ObjectStat {
  size: number;
  /** S3 ETag without quotes. */
  etag?: string;
  /** Azure committed block list, decoded to part numbers, in order. */
  committedParts?: UploadedPart[];
  /** Base64 Content-MD5 property (Azure: computed by the service on Put Blob, set by the committer on Put Block List). */
  contentMd5?: string;
}

export interface BlobStore {
  readonly type: StoreType;
  readonly residence: Residence;
  presignDirectPut(input: PresignDirectInput): Promise<SignedRequest>;
  presignInit(input: PresignInitInput): Promise<SignedRequest>;
  presignPart(input: PresignPartInput): Promise<SignedRequest>;
  presignCommit(input: PresignCommitInput): Promise<SignedCommit>;
  presignRead(input: PresignReadInput): Promise<string>;
  /**
   * A request the client may send to list the parts the store holds (S3 ListParts GET ?uploadId=).
   * PlaceOS clients send the `parts` answer's signature and parse <UploadId> from it.
   * Azure: `{verb:'GET', url:'', headers:{}}` (nothing to ask; PlaceOS clients then skip it).
   */
  presignListParts(input: { key: string; resumableId?: string; expiresInSeconds: number }): Promise<SignedRequest>;
  /** Parts the store holds for an unfinished upload ([] when none or unknown upload). */
  listUploadedParts(input: { key: string; resumableId?: string }): Promise<UploadedPart[]>;
  /** The committed object, or undefined when it does not exist. */
  statObject(input: { key: string }): Promise<ObjectStat | undefined>;
  /** Abort an unfinished multipart upload and delete the object. Idempotent. */
  abort(input: { key: string; resumableId?: string }): Promise<void>;
}
