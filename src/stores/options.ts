// What each store adapter needs to connect and sign; built by config.ts.

export interface S3StoreOptions {
  bucket: string;
  region: string;
  /** S3-compatible endpoint (MinIO, Swift s3api, …); absent = AWS. */
  endpoint?: string;
  forcePathStyle: boolean;
  accessKeyId: string;
  secretAccessKey: string;
  /** Bind each part's planned size into its signature (Content-Length). */
  signContentLength: boolean;
  /** The store refuses a body that differs from a signed x-amz-checksum-sha256; absent: true for AWS (no endpoint), false for S3-compatible endpoints (Swift ignores it). */
  checksSha256?: boolean;
}

export interface AzureStoreOptions {
  container: string;
  account: string;
  accountKey: string;
  /** Blob service URL including the account for emulators (Azurite: http://127.0.0.1:10000/devstoreaccount1); absent = https://<account>.blob.core.windows.net */
  endpoint?: string;
}
