// Azure Blob Storage adapter. Clients get blob-scoped service SAS URLs
// (sr=b) with the least permission each request needs; the broker itself
// reads block lists and properties, commits and deletes with the shared key.
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
import { createHash } from 'node:crypto';
import { systemClock } from '../domain/clock.js';
import { errors } from '../domain/errors.js';
import type { BlobStore, StoreCapabilities, UploadedPart } from '../domain/ports.js';
import { isAzureNotFound, translateAzureError } from './azure-errors.js';
import { decodeBlockId, encodeBlockId } from './azure-block-id.js';
import { attachmentDisposition } from './content-disposition.js';
import type { AzureStoreOptions } from './options.js';
import { AZURE_LIMITS } from './limits.js';
import { azureObjectFailure } from './object-checks.js';
import { DEFAULT_TRANSPORT, type StoreRuntime } from './transport.js';
import { ascendingParts, putBlockListXml } from './xml-bodies.js';

// Clock skew: a SAS that starts "now" by the broker's clock is refused by a
// store whose clock is slightly behind (Azure's docs suggest back-dating).
const START_SKEW_MS = 60_000;

const CAPABILITIES: StoreCapabilities = {
  limits: AZURE_LIMITS,
  // A shared-key SAS cannot bind request headers: Azure checks Content-MD5 only when sent.
  partMd5: 'if-sent',
  bindsPartLength: false,
  // Blocks are staged against the blob name: there is no upload to start.
  needsInitiation: false,
  listsParts: true,
  // Get Block List reports ids and sizes, no digests.
  listsPartMd5: false,
  copiesParts: true,
  formUploads: false,
  checksSha256: false,
  // A SAS binds no headers: Azure checks Content-MD5 and x-ms-content-crc64 when they are sent.
  checksums: { md5: 'if-sent', crc64: 'if-sent' },
};

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

  async function download(key: string): Promise<AsyncIterable<Uint8Array>> {
    try {
      const answer = await blob(key).download(0, undefined, { abortSignal: AbortSignal.timeout(transport.readTimeoutMs) });
      if (!answer.readableStreamBody) throw errors.storeFailed('Azure Get Blob answered no body');
      return answer.readableStreamBody as unknown as AsyncIterable<Uint8Array>;
    } catch (error) {
      if (isAzureNotFound(error)) throw errors.conflict('the object is not in the store');
      throw translateAzureError(error, 'Get Blob');
    }
  }

  async function properties(key: string) {
    try {
      return await blob(key).getProperties({ abortSignal: AbortSignal.timeout(transport.requestTimeoutMs) });
    } catch (error) {
      if (isAzureNotFound(error)) return undefined;
      throw translateAzureError(error, 'Get Blob Properties');
    }
  }

  return {
    capabilities: CAPABILITIES,

    // Put Blob: Azure verifies a Content-MD5 request header against the body
    // (400 on mismatch) and stores it; x-ms-blob-type is required (400 without).
    async presignDirectPut({ key, md5, mime, expiresInSeconds }) {
      // Create only ('c'): the URL can write the blob once, never overwrite it after
      // finalize has verified it (a 'w' SAS would, for as long as it lives).
      const url = sasUrl(key, 'c', expiresInSeconds);
      const headers: Record<string, string> = { 'x-ms-blob-type': 'BlockBlob', 'Content-Type': mime };
      if (md5 !== undefined) headers['Content-MD5'] = md5;
      return { verb: 'PUT', url, headers };
    },

    // Nothing to initialise: blocks are staged against the blob name (PlaceOS sends these headers back unchanged).
    async presignInit({ mime }) {
      return { verb: 'PUT', url: '', headers: { 'x-ms-blob-content-type': mime, 'Content-Type': mime } };
    },

    // Put Block needs only `w`. Azure rejects a body that differs from Content-MD5 (400).
    async presignPart({ key, part, md5, checksum, expiresInSeconds }) {
      const query = `comp=block&blockid=${encodeURIComponent(encodeBlockId(part))}`;
      const headers: Record<string, string> = md5 === undefined ? {} : { 'Content-MD5': md5 };
      if (checksum?.algorithm === 'md5') headers['Content-MD5'] = checksum.base64;
      else if (checksum?.algorithm === 'crc64') headers['x-ms-content-crc64'] = checksum.base64;
      else if (checksum !== undefined) throw errors.badRequest(`Azure takes no ${checksum.algorithm} checksum on a block`);
      return { verb: 'PUT', url: sasUrl(key, 'w', expiresInSeconds, query), headers };
    },

    // Put Block List: commits exactly the recorded parts, in order, and sets the
    // blob's Content-MD5 / Content-Type (Azure stores x-ms-blob-content-md5 as
    // given; it cannot verify it against blocks).
    async presignCommit({ key, parts, fileMd5, mime, expiresInSeconds }) {
      const body = putBlockListXml(ascendingParts(parts).map(({ part }) => encodeBlockId(part)));
      const url = sasUrl(key, 'w', expiresInSeconds, 'comp=blocklist');
      const md5Header: Record<string, string> = fileMd5 === undefined ? {} : { 'x-ms-blob-content-md5': fileMd5 };
      return { verb: 'PUT', url, headers: { ...md5Header, 'x-ms-blob-content-type': mime, 'Content-Type': 'application/xml' }, body };
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
      const found = await properties(key);
      return found && { size: found.contentLength ?? 0 };
    },

    async verifyObject(expected) {
      const found = await properties(expected.key);
      const committedParts = found && (await blockList(expected.key, 'committed'));
      // Deleted between the two calls: there is no object any more.
      if (!found || committedParts === undefined) return { ok: false, reason: 'the object is not in the store yet: send the upload (or the commit request) first' };
      const contentMd5 = found.contentMD5 === undefined ? undefined : Buffer.from(found.contentMD5).toString('base64');
      const size = found.contentLength ?? 0;
      const failure = azureObjectFailure(expected, { size, committedParts, ...(contentMd5 === undefined ? {} : { contentMd5 }) });
      if (failure !== undefined) return { ok: false, reason: failure };
      // A block's MD5 is checked only when the client sent it: the ids and sizes above prove
      // the shape, not the bytes. Where the whole file's MD5 is known, read the blob back.
      if (expected.kind === 'chunked' && expected.fileMd5 !== undefined) {
        const actual = await digestsOf(await download(expected.key));
        if (actual.md5 !== expected.fileMd5) return { ok: false, reason: `the committed blob's bytes have MD5 ${actual.md5}, not the file's ${expected.fileMd5}` };
        return { ok: true, size, sha256: actual.sha256 };
      }
      return { ok: true, size };
    },

    // Nothing to start: blocks are staged against the blob name.
    async initiateMultipart() {
      return { resumableId: '' };
    },

    // Put Block List of exactly these blocks; Azure refuses (InvalidBlockList) a block it does not hold.
    async completeMultipart({ key, parts, mime, fileMd5 }) {
      const blocks = ascendingParts(parts).map(({ part }) => encodeBlockId(part));
      const headers = { blobContentType: mime, ...(fileMd5 === undefined ? {} : { blobContentMD5: Buffer.from(fileMd5, 'base64') }) };
      try {
        await blob(key).commitBlockList(blocks, { blobHTTPHeaders: headers, abortSignal: AbortSignal.timeout(transport.requestTimeoutMs) });
      } catch (error) {
        const status = (error as { statusCode?: unknown }).statusCode;
        if (status === 400) throw errors.verificationFailed('the store refused to commit the blocks: a block is missing');
        throw translateAzureError(error, 'Put Block List');
      }
    },

    // Form uploads are an S3 feature; the domain asks capabilities.formUploads first.
    async presignForm() {
      throw errors.badRequest('this storage takes no form uploads (Azure has no POST policy)');
    },

    readObject: ({ key }) => download(key),

    // Put Block From URL: Azure reads the range from the source blob itself, through a
    // read SAS for that blob alone that lives a few minutes. (Azurite does not implement it.)
    async copyPart({ key, part, sourceKey, first, last }) {
      const source = sasUrl(sourceKey, 'r', 300);
      await call('Put Block From URL', (abortSignal) => blob(key).stageBlockFromURL(encodeBlockId(part), source, first, last - first + 1, { abortSignal }));
      return {};
    },

    // A lease makes every write without its id fail (412): part and commit SAS URLs still
    // alive can no longer Put Blob or Put Block List over the verified blob. Infinite;
    // abort breaks it. Already leased (by this broker) is sealed.
    async sealObject({ key }) {
      try {
        await blob(key).getBlobLeaseClient().acquireLease(-1, { abortSignal: AbortSignal.timeout(transport.requestTimeoutMs) });
      } catch (error) {
        if ((error as { code?: unknown }).code === 'LeaseAlreadyPresent') return;
        throw translateAzureError(error, 'Lease Blob');
      }
    },

    // Delete Blob also drops uncommitted blocks. A blob that has only
    // uncommitted blocks is not a blob to Azure's Delete (404), so then commit
    // an empty block list, which discards them, and delete that empty blob.
    async abort({ key }) {
      // A sealed blob is leased: break the lease (at once) so it can be deleted.
      await blob(key).getBlobLeaseClient().breakLease(0).catch(() => undefined);
      const deleted = await call('Delete Blob', (abortSignal) => blob(key).deleteIfExists({ deleteSnapshots: 'include', abortSignal }));
      if (deleted.succeeded) return;
      const staged = await blockList(key, 'uncommitted');
      if (staged === undefined || staged.length === 0) return;
      await call('Put Block List', (abortSignal) => blob(key).commitBlockList([], { abortSignal }));
      await call('Delete Blob', (abortSignal) => blob(key).deleteIfExists({ deleteSnapshots: 'include', abortSignal }));
    },
  };
}

/** Base64 MD5 and hex SHA-256 of a stream, in one pass. */
async function digestsOf(bytes: AsyncIterable<Uint8Array>): Promise<{ md5: string; sha256: string }> {
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  for await (const chunk of bytes) {
    md5.update(chunk);
    sha256.update(chunk);
  }
  return { md5: md5.digest('base64'), sha256: sha256.digest('hex') };
}
