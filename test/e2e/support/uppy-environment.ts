// What every Uppy suite needs, set up once per file: fresh stores, the
// POST-policy gateway in front of Swift (the broker's S3 endpoint, so presigned
// part URLs and POST forms go through it), the Uppy page on its own origin, a
// real broker allowing that origin, and Chromium when the file drives a page.
// Plus what the tests check against: tokens, the broker's records as the
// PlaceOS API shows them, and the bytes Swift holds (read with the SDK,
// directly, not through the gateway).
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, inject } from 'vitest';
import { buildBroker, freshStores, storageConfigs, USERS, type BrokerOptions, type TestBroker, type TestStores } from '../../support/broker.js';
import { s3ClientFor } from '../../support/provision.js';
import { launchChromium } from './browser.js';
import { until } from './demo-page-driver.js';
import { startPostPolicyGateway, type PostPolicyGateway } from './post-policy-gateway.js';
import { seededBytes } from './uppy-bytes.js';
import { startUppyPageServer, UppyPage, type UppyPageServer } from './uppy-page.js';

export const UPLOADS_PATH = '/api/engine/v2/uploads';

export interface MintedToken {
  token: string;
  /** As the broker answered: a path, `/uppy/<token>`. */
  endpoint: string;
  expires_at: string;
  /** Broker URL + endpoint: Uppy's companionEndpoint. */
  url: string;
}

export interface UploadRecord {
  id: string;
  state: string;
  object_key: string;
  storage_id: string;
  file_size: number;
  file_name: string;
  integrity?: string;
}

export interface UppyEnvironment {
  stores: TestStores;
  gateway: PostPolicyGateway;
  pageOrigin: string;
  brokerUrl: string;
  /** Swift itself, with the store's credentials. */
  swift: S3Client;
  /** POST /uppy/tokens as `userKey`; throws unless 201. */
  mintToken(userKey: string, body?: { ttl_seconds?: number }): Promise<MintedToken>;
  /** GET /api/engine/v2/uploads?file_search=<name> as alice, narrowed to that exact file name. */
  records(fileName: string): Promise<UploadRecord[]>;
  /** Polls the list (which settles a POST-policy upload) until the file's one record is complete. */
  completeRecord(fileName: string): Promise<UploadRecord>;
  /** SHA-256 (hex) of what Swift holds at `key` in the test bucket. */
  storedSha256(key: string): Promise<string>;
  /** A page with the Uppy bundle, in a fresh browser context closed after the file. */
  openPage(): Promise<UppyPage>;
}

/** SHA-256 of the bytes the page uploads for `seed` and `size`. */
export function expectedSha256(seed: number, size: number): string {
  return createHash('sha256').update(seededBytes(seed, size)).digest('hex');
}

/** Registers the file's beforeAll/afterAll; read the fields inside tests. Without a browser, openPage() throws. */
export function useUppyEnvironment(options: { browser?: boolean } = {}): UppyEnvironment {
  const env = {} as UppyEnvironment;
  let browser: Browser | undefined;
  let pageServer: UppyPageServer | undefined;
  let broker: TestBroker | undefined;
  let server: Server | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    const swiftFacts = inject('swift');
    [env.stores, env.gateway, pageServer, browser] = await Promise.all([
      freshStores(),
      startPostPolicyGateway(swiftFacts),
      startUppyPageServer(),
      options.browser === false ? undefined : launchChromium(),
    ]);
    env.pageOrigin = pageServer.origin;
    env.swift = s3ClientFor(swiftFacts);
    const storages = storageConfigs({ s3: { ...env.stores.s3, endpoint: env.gateway.endpoint }, azure: env.stores.azure });
    // A variable, not a literal: type-checks both before and after BrokerOptions gains corsOrigins.
    const brokerOptions: BrokerOptions = Object.assign({ storages }, { corsOrigins: [env.pageOrigin] });
    broker = buildBroker(brokerOptions);
    server = broker.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    env.brokerUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close().catch(() => undefined)));
    await browser?.close();
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    }
    await broker?.repo.close();
    env.swift?.destroy();
    await Promise.all([env.gateway?.close(), pageServer?.close()]);
  });

  env.mintToken = async (userKey, body = {}) => {
    const res = await fetch(`${env.brokerUrl}/uppy/tokens`, {
      method: 'POST',
      headers: { 'X-API-Key': userKey, 'Content-Type': 'application/json' },
      body: JSON.stringify({ storage_id: 's3', ...body }),
    });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`POST /uppy/tokens answered ${res.status}: ${text}`);
    const minted = JSON.parse(text) as Omit<MintedToken, 'url'>;
    return { ...minted, url: `${env.brokerUrl}${minted.endpoint}` };
  };

  env.records = async (fileName) => {
    const res = await fetch(`${env.brokerUrl}${UPLOADS_PATH}?file_search=${encodeURIComponent(fileName)}`, { headers: { 'X-API-Key': USERS.alice.key } });
    const text = await res.text();
    if (!res.ok) throw new Error(`GET ${UPLOADS_PATH}?file_search answered ${res.status}: ${text}`);
    return (JSON.parse(text) as UploadRecord[]).filter((record) => record.file_name === fileName);
  };

  env.completeRecord = async (fileName) => {
    const [record] = await until(() => env.records(fileName), (found) => found.length === 1 && found[0]!.state === 'complete', `${fileName}'s record to be complete`, 60_000);
    return record!;
  };

  env.storedSha256 = async (key) => {
    const object = await env.swift.send(new GetObjectCommand({ Bucket: env.stores.s3.bucket, Key: key }));
    return createHash('sha256').update(await object.Body!.transformToByteArray()).digest('hex');
  };

  env.openPage = async () => {
    if (!browser) throw new Error('this suite started no browser (useUppyEnvironment({ browser: false }))');
    const context = await browser.newContext();
    contexts.push(context);
    return UppyPage.open(context, env.pageOrigin);
  };

  return env;
}
