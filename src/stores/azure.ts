// Azure Blob Storage adapter. Clients get blob-scoped service SAS URLs
// (sr=b) with the least permission each request needs; the broker itself
// reads block lists and properties with the shared key.
//
// Azure rule that shapes this file: a shared-key SAS cannot bind request
// headers, so Content-MD5 is checked by Azure only when the client sends it
// (it does when it follows the returned headers). Finalize therefore checks
// the committed block list and, for single Put Blob, the MD5 Azure computed.
import {
  BlobSASPermissions,
  BlobServiceClient,
  generateBlobSASQueryParameters,
  newPipeline,
  SASProtocol,
  StorageSharedKeyCredential,
  type BlockBlobClient,
} from '@azure/storage-blob';
import { systemClock } from '../domain/clock.js';
import type { BlobStore, UploadedPart } from './blob-store.js';
import { isAzureNotFound, translateAzureError } from './azure-errors.js';
import { decodeBlockId, encodeBlockId } from './azure-block-id.js';
import { attachmentDisposition } from './content-disposition.js';
import type { AzureStoreOptions } from './options.js';
import { DEFAULT_TRANSPORT, type StoreRuntime } from './transport.js';
import { ascendingParts, putBlockListXml } from './xml-bodies.js';

// Clock skew: a SAS that starts "now" by the broker's clock is refused by a
// store whose clock is slightly behind (Azure's docs suggest back-dating).
const START_SKEW_MS = 60_000;

interface SasOverrides {
  contentDisposition?: string;
  contentType?: string;
}

export function createAzureStore(options: AzureStoreOptions, runtime: StoreRuntime = {}): BlobStore {
  const clock = runtime.clock ?? systemClock;
  const transport = { ...DEFAULT_TRANSPORT, ...runtime.transport };
  const endpoint = (options.endpoint ?? `https://${options.account}.blob.core.windows.net`).replace(/\/+$/, '');
  const credential = new StorageSharedKeyCredential(options.account, options.accountKey);
  const pipeline = newPipeline(credential, {
    // The storage default waits 4 s, 8 s, 16 s between tries: far too long behind an API call.
    retryOptions: { maxTries: transport.maxAttempts, retryDelayInMs: 200, maxRetryDelayInMs: 2_000 },
  });
  const container = new BlobServiceClient(endpoint, pipeline).getContainerClient(options.container);
  // spr=https is refused over http (AuthorizationProtocolMismatch): allow http only for an http endpoint (emulator).
  const protocol = new URL(endpoint).protocol === 'http:' ? SASProtocol.HttpsAndHttp : SASProtocol.Https;

  const blob = (key: string): BlockBlobClient => container.getBlockBlobClient(key);

  /** The blob's URL with `query` and a SAS valid for `permissions` on this blob only. */
  function sasUrl(key: string, permissions: string, expiresInSeconds: number, query = '', overrides: SasOverrides = {}): string {
    const now = clock.now();
    const sas = generateBlobSASQueryParameters(
      {
        containerName: options.container,
        blobName: key,
        permissions: BlobSASPermissions.parse(permissions),
        protocol,
        startsOn: new Date(now - START_SKEW_MS),
        expiresOn: new Date(now + expiresInSeconds * 1000),
        ...overrides,
      },
      credential,
    ).toString();
    return `${blob(key).url}?${query === '' ? '' : `${query}&`}${sas}`;
  }

  /** Run one SDK call with a deadline, translating its errors. */
  async function call<Output>(action: string, run: (abortSignal: AbortSignal) => Promise<Output>): Promise<Output> {
    try {
      return await run(AbortSignal.timeout(transport.requestTimeoutMs));
    } catch (error) {
      throw translateAzureError(error, action);
    }
  }

  /** Blocks of one kind, decoded; undefined when the blob has no blocks at all (BlobNotFound). */
  async function blockList(key: string, kind: 'committed' | 'uncommitted'): Promise<UploadedPart[] | undefined> {
    try {
      const list = await blob(key).getBlockList(kind, { abortSignal: AbortSignal.timeout(transport.requestTimeoutMs) });
      const blocks = kind === 'committed' ? list.committedBlocks : list.uncommittedBlocks;
      // A block id this broker did not make decodes to part 0: no recorded part
      // has that number, so verification fails instead of skipping a stranger's block.
      return (blocks ?? []).map((b) => ({ part: decodeBlockId(b.name) ?? 0, size: b.size }));
    } catch (error) {
      if (isAzureNotFound(error)) return undefined;
      throw translateAzureError(error, 'Get Block List');
    }
  }

  return {
    type: 'azure',
    residence: 'AzureStorage',

    // Put Blob: Azure verifies a Content-MD5 request header against the body
    // (400 on mismatch) and stores it; x-ms-blob-type is required (400 without).
    async presignDirectPut({ key, md5, mime, expiresInSeconds }) {
      // Create only ('c'): the URL can write the blob once, never overwrite it after
      // finalize has verified it (a 'w' SAS would, for as long as it lives).
      const url = sasUrl(key, 'c', expiresInSeconds);
      return { verb: 'PUT', url, headers: { 'x-ms-blob-type': 'BlockBlob', 'Content-MD5': md5, 'Content-Type': mime } };
    },

    // Nothing to initialise: blocks are staged against the blob name (PlaceOS sends these headers back unchanged).
    async presignInit({ mime }) {
      return { verb: 'PUT', url: '', headers: { 'x-ms-blob-content-type': mime, 'Content-Type': mime } };
    },

    // Put Block needs only `w`. Azure rejects a body that differs from Content-MD5 (400).
    async presignPart({ key, part, md5, expiresInSeconds }) {
      const query = `comp=block&blockid=${encodeURIComponent(encodeBlockId(part))}`;
      return { verb: 'PUT', url: sasUrl(key, 'w', expiresInSeconds, query), headers: { 'Content-MD5': md5 } };
    },

    // Put Block List: commits exactly the recorded parts, in order, and sets the
    // blob's Content-MD5 / Content-Type (Azure stores x-ms-blob-content-md5 as
    // given; it cannot verify it against blocks).
    async presignCommit({ key, parts, fileMd5, mime, expiresInSeconds }) {
      const body = putBlockListXml(ascendingParts(parts).map(({ part }) => encodeBlockId(part)));
      const url = sasUrl(key, 'w', expiresInSeconds, 'comp=blocklist');
      return { verb: 'PUT', url, headers: { 'x-ms-blob-content-md5': fileMd5, 'x-ms-blob-content-type': mime, 'Content-Type': 'application/xml' }, body };
    },

    async presignRead({ key, expiresInSeconds, fileName, mime }) {
      const overrides: SasOverrides = {};
      if (fileName !== undefined) overrides.contentDisposition = attachmentDisposition(fileName);
      if (mime !== undefined) overrides.contentType = mime;
      return sasUrl(key, 'r', expiresInSeconds, '', overrides);
    },

    // Clients would need `r` for Get Block List; the broker answers resume from
    // its own records and listUploadedParts instead (PlaceOS clients skip an empty URL).
    async presignListParts() {
      return { verb: 'GET', url: '', headers: {} };
    },

    async listUploadedParts({ key }) {
      const blocks = (await blockList(key, 'uncommitted')) ?? [];
      return blocks.filter((b) => b.part > 0).sort((a, b) => a.part - b.part);
    },

    async statObject({ key }) {
      let properties;
      try {
        properties = await blob(key).getProperties({ abortSignal: AbortSignal.timeout(transport.requestTimeoutMs) });
      } catch (error) {
        if (isAzureNotFound(error)) return undefined;
        throw translateAzureError(error, 'Get Blob Properties');
      }
      const committedParts = await blockList(key, 'committed');
      // Deleted between the two calls: there is no object any more.
      if (committedParts === undefined) return undefined;
      const contentMd5 = properties.contentMD5 === undefined ? undefined : Buffer.from(properties.contentMD5).toString('base64');
      return { size: properties.contentLength ?? 0, committedParts, ...(contentMd5 === undefined ? {} : { contentMd5 }) };
    },

    // Delete Blob also drops uncommitted blocks. A blob that has only
    // uncommitted blocks is not a blob to Azure's Delete (404), so then commit
    // an empty block list, which discards them, and delete that empty blob.
    async abort({ key }) {
      const deleted = await call('Delete Blob', (abortSignal) => blob(key).deleteIfExists({ deleteSnapshots: 'include', abortSignal }));
      if (deleted.succeeded) return;
      const staged = await blockList(key, 'uncommitted');
      if (staged === undefined || staged.length === 0) return;
      await call('Put Block List', (abortSignal) => blob(key).commitBlockList([], { abortSignal }));
      await call('Delete Blob', (abortSignal) => blob(key).deleteIfExists({ deleteSnapshots: 'include', abortSignal }));
    },
  };
}
