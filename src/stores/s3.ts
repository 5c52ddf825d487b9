// S3 (and S3-compatible: Swift s3api, MinIO) adapter. The broker presigns;
// clients send the bytes. Which headers end up in X-Amz-SignedHeaders is
// what the store enforces, so every presign here says what it binds.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { systemClock } from '../domain/clock.js';
import { errors } from '../domain/errors.js';
import type { BlobStore, SignedRequest, UploadedPart } from './blob-store.js';
import { attachmentDisposition } from './content-disposition.js';
import type { S3StoreOptions } from './options.js';
import { isNoSuchUpload, isNotImplemented, isS3NotFound, translateS3Error } from './s3-errors.js';
import { DEFAULT_TRANSPORT, type StoreRuntime } from './transport.js';
import { completeMultipartUploadXml } from './xml-bodies.js';

// The presigner marks content-type unsignable; naming it puts it back in
// X-Amz-SignedHeaders. Only where we set the type ourselves: the SDK adds
// `content-type: application/octet-stream` to every UploadPart, and signing
// that would make clients that send no (or another) type fail with 403.
// content-md5 and content-length are signed whenever the command sets them
// (ordinary headers to SigV4); naming them guards against a presigner default
// that would silently drop them.
const SIGN_MD5_LENGTH_TYPE: ReadonlySet<string> = new Set(['content-md5', 'content-length', 'content-type']);
const SIGN_MD5_LENGTH: ReadonlySet<string> = new Set(['content-md5', 'content-length']);
const SIGN_DEFAULTS: ReadonlySet<string> = new Set();
// SigV4: X-Amz-Expires is at most one week.
const MAX_EXPIRY_SECONDS = 604_800;
const PLAIN_ETAG = /^[0-9a-f]{32}$/i;

type PresignOptions = NonNullable<Parameters<typeof getSignedUrl>[2]>;

export function createS3Store(options: S3StoreOptions, runtime: StoreRuntime = {}): BlobStore {
  const clock = runtime.clock ?? systemClock;
  const transport = { ...DEFAULT_TRANSPORT, ...runtime.transport };
  const client = new S3Client({
    region: options.region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    forcePathStyle: options.forcePathStyle,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    // The SDK default (WHEN_SUPPORTED) presigns x-amz-checksum-crc32 of the
    // empty body into PutObject/UploadPart URLs; a store that verifies it
    // rejects every real body. Content-MD5 is the integrity check instead.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: transport.maxAttempts,
    // Without throwOnRequestTimeout the handler only logs a warning and waits on.
    requestHandler: { connectionTimeout: transport.connectTimeoutMs, requestTimeout: transport.requestTimeoutMs, throwOnRequestTimeout: true },
  });
  const Bucket = options.bucket;

  /** `sign` calls getSignedUrl with these options (a thunk: the SDK's command generics do not survive a shared parameter type). */
  async function presign(expiresInSeconds: number, signable: ReadonlySet<string>, sign: (presignOptions: PresignOptions) => Promise<string>): Promise<string> {
    // The domain clamps every expiry and the config schema caps them at a week, so
    // this is a broken caller, not a client's bad input: an internal error, not a 400.
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_EXPIRY_SECONDS) {
      throw new Error(`S3 presigned URLs last 1 to ${MAX_EXPIRY_SECONDS} seconds, got ${expiresInSeconds}`);
    }
    try {
      return await sign({
        expiresIn: expiresInSeconds,
        signingDate: new Date(clock.now()),
        // The option's type is a mutable Set.
        signableHeaders: new Set(signable),
      });
    } catch (error) {
      throw translateS3Error(error, 'presign');
    }
  }

  function requireUploadId(resumableId: string | undefined, what: string): string {
    if (resumableId === undefined || resumableId === '') {
      throw errors.conflict(`${what} needs the multipart UploadId (resumable_id), which the client has not reported yet`);
    }
    return resumableId;
  }

  function listPage(Key: string, UploadId: string, marker: string | undefined) {
    const page = { MaxParts: transport.listPageSize, ...(marker === undefined ? {} : { PartNumberMarker: marker }) };
    return client.send(new ListPartsCommand({ Bucket, Key, UploadId, ...page }));
  }

  return {
    type: 's3',
    residence: 'AmazonS3',

    // PUT Object: Content-MD5 signed, so other bytes get 400 BadDigest and a
    // missing header 403; Content-Type signed so the stored type is the one checked.
    async presignDirectPut({ key, md5, size, mime, expiresInSeconds }) {
      const bindLength = options.signContentLength;
      const command = new PutObjectCommand({ Bucket, Key: key, ContentMD5: md5, ContentType: mime, ...(bindLength ? { ContentLength: size } : {}) });
      const url = await presign(expiresInSeconds, SIGN_MD5_LENGTH_TYPE, (o) => getSignedUrl(client, command, o));
      const headers: Record<string, string> = { 'Content-MD5': md5, 'Content-Type': mime };
      if (bindLength) headers['Content-Length'] = String(size);
      return { verb: 'PUT', url, headers };
    },

    // POST ?uploads (CreateMultipartUpload); the client parses <UploadId> from the answer.
    async presignInit({ key, mime, expiresInSeconds }) {
      const command = new CreateMultipartUploadCommand({ Bucket, Key: key, ContentType: mime });
      const url = await presign(expiresInSeconds, SIGN_MD5_LENGTH_TYPE, (o) => getSignedUrl(client, command, o));
      return { verb: 'POST', url, headers: { 'Content-Type': mime } };
    },

    // PUT ?partNumber&uploadId with Content-MD5 (BadDigest on other bytes) and,
    // when the plan knows the part's size, Content-Length signed.
    async presignPart({ key, resumableId, part, md5, size, expiresInSeconds }) {
      const UploadId = requireUploadId(resumableId, `S3 part ${part}`);
      const bindLength = options.signContentLength && size !== undefined;
      const command = new UploadPartCommand({ Bucket, Key: key, UploadId, PartNumber: part, ContentMD5: md5, ...(bindLength ? { ContentLength: size } : {}) });
      const url = await presign(expiresInSeconds, SIGN_MD5_LENGTH, (o) => getSignedUrl(client, command, o));
      const headers: Record<string, string> = { 'Content-MD5': md5 };
      if (bindLength) headers['Content-Length'] = String(size);
      return { verb: 'PUT', url, headers };
    },

    // POST ?uploadId with the part list built from the signed MD5s. Content-Type
    // is left unsigned: S3 does not need it bound, and browsers may rewrite it.
    async presignCommit({ key, resumableId, parts, expiresInSeconds }) {
      const UploadId = requireUploadId(resumableId, 'S3 commit');
      const body = completeMultipartUploadXml(parts);
      const command = new CompleteMultipartUploadCommand({ Bucket, Key: key, UploadId });
      const url = await presign(expiresInSeconds, SIGN_DEFAULTS, (o) => getSignedUrl(client, command, o));
      return { verb: 'POST', url, headers: { 'Content-Type': 'application/xml' }, body };
    },

    async presignRead({ key, expiresInSeconds, fileName, mime }) {
      const command = new GetObjectCommand({
        Bucket,
        Key: key,
        ...(fileName === undefined ? {} : { ResponseContentDisposition: attachmentDisposition(fileName) }),
        ...(mime === undefined ? {} : { ResponseContentType: mime }),
      });
      return presign(expiresInSeconds, SIGN_DEFAULTS, (o) => getSignedUrl(client, command, o));
    },

    // GET ?uploadId (ListParts), for PlaceOS clients that ask the store themselves on resume.
    async presignListParts({ key, resumableId, expiresInSeconds }): Promise<SignedRequest> {
      const UploadId = requireUploadId(resumableId, 'S3 ListParts');
      const command = new ListPartsCommand({ Bucket, Key: key, UploadId });
      const url = await presign(expiresInSeconds, SIGN_DEFAULTS, (o) => getSignedUrl(client, command, o));
      return { verb: 'GET', url, headers: {} };
    },

    async listUploadedParts({ key, resumableId }) {
      if (resumableId === undefined || resumableId === '') return [];
      const parts: UploadedPart[] = [];
      let marker: string | undefined;
      try {
        for (;;) {
          const page = await listPage(key, resumableId, marker);
          for (const p of page.Parts ?? []) {
            if (p.PartNumber === undefined) continue;
            const etag = unquote(p.ETag);
            parts.push({ part: p.PartNumber, size: p.Size ?? 0, ...(etag !== undefined && PLAIN_ETAG.test(etag) ? { md5Hex: etag.toLowerCase() } : {}) });
          }
          // S3 pages by part number; stop if a store says "truncated" without moving on.
          const next = page.NextPartNumberMarker;
          if (!page.IsTruncated || next === undefined || next === marker) break;
          marker = next;
        }
      } catch (error) {
        if (isNoSuchUpload(error)) return [];
        // A store without ListParts confirms nothing: the client then re-sends every
        // part, which is always safe (a part number's last upload wins).
        if (isNotImplemented(error)) return [];
        throw translateS3Error(error, 'ListParts');
      }
      return parts.sort((a, b) => a.part - b.part);
    },

    async statObject({ key }) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket, Key: key }));
        const etag = unquote(head.ETag);
        return { size: head.ContentLength ?? 0, ...(etag === undefined ? {} : { etag }) };
      } catch (error) {
        if (isS3NotFound(error)) return undefined;
        throw translateS3Error(error, 'HeadObject');
      }
    },

    // Idempotent: an unknown upload (already aborted) and a missing object are success.
    async abort({ key, resumableId }) {
      if (resumableId !== undefined && resumableId !== '') {
        try {
          await client.send(new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId: resumableId }));
        } catch (error) {
          if (!isNoSuchUpload(error)) throw translateS3Error(error, 'AbortMultipartUpload');
        }
      }
      try {
        await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
      } catch (error) {
        if (!isS3NotFound(error)) throw translateS3Error(error, 'DeleteObject');
      }
    },
  };
}

function unquote(etag: string | undefined): string | undefined {
  return etag?.replace(/^"(.*)"$/, '$1');
}
