// The upload record and its vocabulary. Field names are the domain's own, not
// PlaceOS's wire names: http/serialise.ts maps between them.

export type UploadState = 'pending' | 'uploading' | 'complete' | 'aborted' | 'expired';
export type UploadKind = 'direct' | 'chunked';
export type Permissions = 'none' | 'admin' | 'support';
export type StoreType = 's3' | 'azure';
export type Residence = 'AmazonS3' | 'AzureStorage';

export const RESIDENCE_BY_TYPE: Record<StoreType, Residence> = { s3: 'AmazonS3', azure: 'AzureStorage' };

export interface UploadRecord {
  id: string;
  owner: string;
  tenant: string;
  storageId: string;
  /** Chosen by the broker (tenant prefix, random name, sanitised extension), never by the client. */
  objectKey: string;
  fileName: string;
  fileSize: number;
  mime: string;
  /** Base64 MD5 of the whole file (PlaceOS `file_id`). */
  fileMd5: string;
  filePath?: string;
  permissions: Permissions;
  public: boolean;
  tags: string[];
  cacheEtag?: string;
  cacheModified?: string;
  state: UploadState;
  kind: UploadKind;
  /** S3 UploadId once the client reports it; Azure clients may send any token here. */
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
  /** Base64 MD5 signed into the part's URL: the one the store enforces. */
  md5: string;
  size?: number;
  done: boolean;
}

export interface Caller {
  user: string;
  tenant: string;
  roles: string[];
}
