// A real broker with the demo page, listening on loopback for Chromium, with a
// tap in front of each store (store-tap.ts), plus what the tests check against
// the broker and the stores themselves: an upload's record, and the SHA-256 of
// the object the store holds.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import express from 'express';
import { inject } from 'vitest';
import type { StorageConfig } from '../../../src/config.js';
import { RESIDENCE_BY_TYPE } from '../../../src/protocols/placeos/names.js';
import { demoRouter } from '../../../src/http/demo-page.js';
import { buildBroker, storageConfigs, USERS, type TestStores } from '../../support/broker.js';
import { startStoreTap, type StoreTap } from './store-tap.js';

export const BASE_PATH = '/api/engine/v2/uploads';
/** The page is prefilled with alice's key, as `npm start` prefills the dev key. */
export const PAGE_USER = USERS.alice;

export interface DemoBroker {
  url: string;
  /** What reached each store. */
  taps: { s3: StoreTap; azure: StoreTap };
  /** GET /:id as the page's user: the record as the broker serialises it. */
  record(id: string): Promise<{ state: string; object_key: string; storage_id: string; file_size: number }>;
  /** SHA-256 (hex) of the stored object, read with the store's own SDK and credentials (not through the tap). */
  storedSha256(id: string): Promise<string>;
  close(): Promise<void>;
}

/** `configure` gets the stores as the broker sees them (through the taps) and returns its storages: ids s3 and azure by default. */
export async function startDemoBroker(stores: TestStores, configure: (tapped: TestStores) => StorageConfig[] = storageConfigs): Promise<DemoBroker> {
  const [s3Tap, azureTap] = await Promise.all([startStoreTap(stores.s3.endpoint!), startStoreTap(stores.azure.endpoint!)]);
  const storages = configure({ s3: { ...stores.s3, endpoint: s3Tap.endpoint }, azure: { ...stores.azure, endpoint: azureTap.endpoint } });
  const broker = buildBroker({ storages });
  const outer = express();
  // Before the broker app, whose last step answers 404 to everything else.
  outer.use(demoRouter(BASE_PATH, { devApiKey: PAGE_USER.key, storages: storages.map((s) => ({ id: s.id, residence: RESIDENCE_BY_TYPE[s.type] })) }));
  outer.use(broker.app);
  const server = outer.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const record: DemoBroker['record'] = async (id) => {
    const res = await fetch(`${url}${BASE_PATH}/${encodeURIComponent(id)}`, { headers: { 'X-API-Key': PAGE_USER.key } });
    if (!res.ok) throw new Error(`GET ${id} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as Awaited<ReturnType<DemoBroker['record']>>;
  };
  return {
    url,
    taps: { s3: s3Tap, azure: azureTap },
    record,
    async storedSha256(id) {
      const upload = await record(id);
      const storage = storages.find((s) => s.id === upload.storage_id);
      if (!storage) throw new Error(`upload ${id} is in unknown storage ${upload.storage_id}`);
      return storedObjectSha256(storage, upload.object_key, stores);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await broker.repo.close();
      await Promise.all([s3Tap.close(), azureTap.close()]);
    },
  };
}

async function storedObjectSha256(storage: StorageConfig, key: string, stores: TestStores): Promise<string> {
  const hash = createHash('sha256');
  if (storage.type === 's3') {
    const swift = inject('swift');
    const client = new S3Client({
      region: swift.region,
      endpoint: swift.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    try {
      const object = await client.send(new GetObjectCommand({ Bucket: stores.s3.bucket, Key: key }));
      hash.update(await object.Body!.transformToByteArray());
    } finally {
      client.destroy();
    }
  } else {
    const { account, accountKey, endpoint, container } = stores.azure;
    const service = new BlobServiceClient(endpoint ?? '', new StorageSharedKeyCredential(account, accountKey));
    hash.update(await service.getContainerClient(container).getBlobClient(key).downloadToBuffer());
  }
  return hash.digest('hex');
}

/**
 * Azure Blob answers a browser's preflight only with a CORS rule on the
 * service (Swift's proxy allows any origin itself: scripts/servers/swift.ts).
 * Service-wide on the run's shared Azurite, and the same rule every time.
 */
export async function allowBrowsersOnAzurite(): Promise<void> {
  const azurite = inject('azurite');
  const service = new BlobServiceClient(azurite.endpoint, new StorageSharedKeyCredential(azurite.account, azurite.accountKey));
  await service.setProperties({
    cors: [{ allowedOrigins: '*', allowedMethods: 'GET,HEAD,PUT,POST,DELETE,OPTIONS', allowedHeaders: '*', exposedHeaders: '*', maxAgeInSeconds: 3600 }],
  });
}
