// The upload record and its vocabulary. Field names are the domain's own, not
// any protocol's wire names: each module under protocols/ maps between them.

export type UploadState = 'pending' | 'uploading' | 'complete' | 'aborted' | 'expired';
export type UploadKind = 'direct' | 'chunked';
export type Permissions = 'none' | 'admin' | 'support';
/** Which kind of store a storage is: a fact for protocols that name it, never a branch for the domain. */
export type StoreType = 's3' | 'azure';
/**
 * What the broker could check of the bytes: 'store-md5' — every part (or the whole file)
 * carried an MD5 the store enforced and finalize matched the object against them;
 * 'listed-etags' — the client declared no MD5s, so the broker committed the parts' MD5s as
 * the store listed them and matched the object against those; 'policy-size' — a form upload
 * whose policy bound key, type and size: only the size is checked.
 */
export type Integrity = 'store-md5' | 'listed-etags' | 'policy-size';

/**
 * How a SHA-256 was established: 'store' — the store checked a signed x-amz-checksum-sha256
 * of the one request that wrote the object; 'read-back' — the broker read the object back and
 * hashed it; 'declared' — the client's word, recorded only.
 */
export type DigestCheck = 'store' | 'read-back' | 'declared';

export interface UploadRecord {
  id: string;
  owner: string;
  tenant: string;
  storageId: string;
  /** Chosen by the broker (tenant prefix, random name, sanitised extension), never by the client. */
  objectKey: string;
  fileName: string;
  /** Declared at create, or learned from the store when the client never says (form uploads). */
  fileSize?: number;
  mime: string;
  /** Base64 MD5 of the whole file, when the client declared one. */
  fileMd5?: string;
  filePath?: string;
  permissions: Permissions;
  public: boolean;
  tags: string[];
  cacheEtag?: string;
  cacheModified?: string;
  state: UploadState;
  kind: UploadKind;
  integrity: Integrity;
  /** Hex SHA-256 of the whole file: as declared until complete, then as checked (see digestCheck). */
  sha256?: string;
  /** How the SHA-256 was established at completion; 'declared' ones are never used for dedupe. */
  digestCheck?: DigestCheck;
  /** A temporary upload: its object is deleted deleteAt (set when it completes). */
  temporary: boolean;
  deleteAt?: number;
  /** The upload session this upload belongs to. */
  sessionId?: string;
  /** Bytes of the object hashed so far by a read-back verification. */
  readBackBytes?: number;
  /** The store's multipart upload id once known; clients of stores without one may send any token here. */
  resumableId?: string;
  partSize: number;
  partCount: number;
  createdAt: number;
  updatedAt: number;
  /** When an unfinished upload expires (ms since epoch). Complete uploads do not expire. */
  expiresAt: number;
  uploadToken: string;
}

/** One part as the broker knows it: the MD5 it signed, and whether the client reported it done. */
export interface PartRecord {
  part: number;
  /** Base64 MD5 signed into the part's URL (the one the store enforces), or as the store listed it. */
  md5: string;
  size?: number;
  done: boolean;
  /** The MD5 as the client last reported it for this part, in the client's own spelling. */
  reported?: string;
  /** The checksums signed for this part and how the store treats each (enforced, if-sent, unchecked). */
  checks?: Record<string, string>;
}

/** A part the store holds as signed, with its MD5 in hex as the store listed it (S3 ETags, PlaceOS md5_hex). */
export interface ConfirmedPart extends PartRecord {
  done: true;
  md5Hex: string;
}

export interface Caller {
  user: string;
  tenant: string;
  roles: string[];
}

/** The key a later create of the same file finds this upload by; none without a declared size and MD5. */
export function resumeKeyOf(record: UploadRecord): { tenant: string; owner: string; fileName: string; fileSize: number; fileMd5: string } | undefined {
  if (record.fileSize === undefined || record.fileMd5 === undefined) return undefined;
  return { tenant: record.tenant, owner: record.owner, fileName: record.fileName, fileSize: record.fileSize, fileMd5: record.fileMd5 };
}
