// Fresh, empty buckets and containers for one test, made with the SDKs and
// the server's own credentials (the broker never creates them), returned as
// the store options the adapters take.
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { AzureStoreOptions, S3StoreOptions } from '../../src/stores/options.js';
import type { AzuriteFacts, SwiftFacts } from './servers-context.js';

/** Lowercase letters and digits: valid as an S3 bucket and an Azure container name. */
function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(8).toString('hex')}`;
}

/** An SDK client for the run's Swift; Swift ignores x-amz-checksum-*, so no SDK default checksums. */
export function s3ClientFor(swift: SwiftFacts): S3Client {
  return new S3Client({
    region: swift.region,
    endpoint: swift.endpoint,
    forcePathStyle: swift.forcePathStyle,
    credentials: { accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function createBucket(swift: SwiftFacts, options: Partial<Pick<S3StoreOptions, 'signContentLength'>> = {}): Promise<S3StoreOptions> {
  const store: S3StoreOptions = {
    bucket: uniqueName('signpost'),
    region: swift.region,
    endpoint: swift.endpoint,
    forcePathStyle: swift.forcePathStyle,
    accessKeyId: swift.accessKeyId,
    secretAccessKey: swift.secretAccessKey,
    signContentLength: options.signContentLength ?? true,
  };
  const client = s3ClientFor(swift);
  try {
    await client.send(new CreateBucketCommand({ Bucket: store.bucket }));
  } finally {
    client.destroy();
  }
  return store;
}

export async function createContainer(azurite: AzuriteFacts): Promise<AzureStoreOptions> {
  const store: AzureStoreOptions = {
    container: uniqueName('signpost'),
    account: azurite.account,
    accountKey: azurite.accountKey,
    endpoint: azurite.endpoint,
  };
  const credential = new StorageSharedKeyCredential(store.account, store.accountKey);
  await new BlobServiceClient(azurite.endpoint, credential).getContainerClient(store.container).create();
  return store;
}
