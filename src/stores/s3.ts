// S3 (and S3-compatible: Swift s3api, MinIO) adapter. Clients send the bytes
// to presigned requests; the broker itself initiates, lists, completes,
// verifies and aborts (s3-operations.ts). Which headers end up in
// X-Amz-SignedHeaders is what the store enforces, so every presign here says
// what it binds.
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { systemClock } from '../domain/clock.js';
import { errors } from '../domain/errors.js';
import type { Checksum } from '../domain/checksums.js';
import type { BlobStore, StoreCapabilities } from '../domain/ports.js';
import { attachmentDisposition } from './content-disposition.js';
import { S3_LIMITS } from './limits.js';
import { createQuerySigner, endpointFromSignedUrl, type QuerySigner } from './s3-query-signer.js';
import type { S3StoreOptions } from './options.js';
import { s3Operations } from './s3-operations.js';
import { translateS3Error } from './s3-errors.js';
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
const SIGN_DEFAULTS: ReadonlySet<string> = new Set();
// x-amz-* headers are hoisted into the query by default; a checksum must stay a header the
// client sends (the store checks the body against the header), signed.
const CHECKSUM_HEADER = 'x-amz-checksum-sha256';
// The object key of the one UploadPart URL the SDK signs for the part signer.
const PROBE_KEY = 'signpost-endpoint-probe';
// SigV4: X-Amz-Expires is at most one week.
const MAX_EXPIRY_SECONDS = 604_800;

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

  const capabilities: StoreCapabilities = {
    limits: S3_LIMITS,
    partMd5: 'signed',
    bindsPartLength: options.signContentLength,
    needsInitiation: true,
    listsParts: true,
    listsPartMd5: true,
    copiesParts: true,
    formUploads: true,
    checksSha256: options.checksSha256 ?? options.endpoint === undefined,
    // x-amz-checksum-* are signed headers: AWS refuses other bytes; a store that ignores them (Swift) checks nothing.
    checksums: (() => {
      const amz = (options.checksSha256 ?? options.endpoint === undefined) ? 'enforced' : 'unchecked';
      return { md5: 'enforced', sha1: amz, sha256: amz, crc32c: amz } as const;
    })(),
  };

  function checkExpiry(expiresInSeconds: number): void {
    // The domain clamps every expiry and the config schema caps them at a week, so
    // this is a broken caller, not a client's bad input: an internal error, not a 400.
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_EXPIRY_SECONDS) {
      throw new Error(`S3 presigned requests last 1 to ${MAX_EXPIRY_SECONDS} seconds, got ${expiresInSeconds}`);
    }
  }

  /** `sign` calls getSignedUrl with these options (a thunk: the SDK's command generics do not survive a shared parameter type). */
  async function presign(expiresInSeconds: number, signable: ReadonlySet<string>, sign: (presignOptions: PresignOptions) => Promise<string>, checksumHeaders: readonly string[] = []): Promise<string> {
    checkExpiry(expiresInSeconds);
    try {
      return await sign({
        expiresIn: expiresInSeconds,
        signingDate: new Date(clock.now()),
        // The option's type is a mutable Set.
        signableHeaders: new Set([...signable, ...checksumHeaders]),
        ...(checksumHeaders.length > 0 ? { unhoistableHeaders: new Set(checksumHeaders) } : {}),
      });
    } catch (error) {
      throw translateS3Error(error, 'presign');
    }
  }

  // The part signer learns the endpoint and credential scope from one URL the SDK signs.
  let querySigner: Promise<QuerySigner> | undefined;
  function partSigner(): Promise<QuerySigner> {
    querySigner ??= (async () => {
      const probe = await getSignedUrl(client, new UploadPartCommand({ Bucket, Key: PROBE_KEY, UploadId: 'probe', PartNumber: 1 }), { expiresIn: 60 });
      return createQuerySigner(endpointFromSignedUrl(probe, PROBE_KEY), options);
    })();
    // A failed probe is tried again by the next presign.
    querySigner.catch(() => (querySigner = undefined));
    return querySigner;
  }

  function requireUploadId(resumableId: string | undefined, what: string): string {
    if (resumableId === undefined || resumableId === '') {
      throw errors.conflict(`${what} needs the multipart upload's id, which the broker has not been told yet`);
    }
    return resumableId;
  }

  return {
    capabilities,
    ...s3Operations({ client, Bucket, transport }),

    // PUT Object: Content-MD5 signed, so other bytes get 400 BadDigest and a
    // missing header 403; x-amz-checksum-sha256 likewise where given; Content-Type
    // signed so the stored type is the one checked.
    async presignDirectPut({ key, md5, sha256, size, mime, expiresInSeconds }) {
      const bindLength = options.signContentLength;
      const command = new PutObjectCommand({
        Bucket, Key: key, ContentType: mime,
        ...(md5 === undefined ? {} : { ContentMD5: md5 }),
        ...(sha256 === undefined ? {} : { ChecksumSHA256: sha256 }),
        ...(bindLength ? { ContentLength: size } : {}),
      });
      const url = await presign(expiresInSeconds, SIGN_MD5_LENGTH_TYPE, (o) => getSignedUrl(client, command, o), sha256 === undefined ? [] : [CHECKSUM_HEADER]);
      const headers: Record<string, string> = { 'Content-Type': mime };
      if (md5 !== undefined) headers['Content-MD5'] = md5;
      if (sha256 !== undefined) headers[CHECKSUM_HEADER] = sha256;
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
    // when the plan knows the part's size, Content-Length signed. Without an MD5
    // (clients that send no headers) the URL binds the part number and upload only:
    // no checksum parameter either, which a store would check against the body.
    // Signed by s3-query-signer.ts, not getSignedUrl: the same URL, without the SDK's
    // command pipeline on the hot path.
    async presignPart({ key, resumableId, part, md5: givenMd5, sha256, checksum, size, expiresInSeconds }) {
      const uploadId = requireUploadId(resumableId, `S3 part ${part}`);
      const md5 = checksum?.algorithm === 'md5' ? checksum.base64 : givenMd5;
      const amz = checksum !== undefined && checksum.algorithm !== 'md5' ? amzChecksum(checksum) : undefined;
      const bound = md5 !== undefined || sha256 !== undefined || amz !== undefined;
      const bindLength = options.signContentLength && size !== undefined && bound;
      checkExpiry(expiresInSeconds);
      // What the client must send, each one signed (the order matters only when two set the same header: the last wins).
      const headers: Record<string, string> = {};
      if (md5 !== undefined) headers['Content-MD5'] = md5;
      if (sha256 !== undefined) headers[CHECKSUM_HEADER] = sha256;
      if (amz !== undefined) headers[amz.header] = amz.value;
      if (bindLength) headers['Content-Length'] = String(size);
      const signedHeaders = new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
      try {
        const signer = await partSigner();
        return { verb: 'PUT', url: signer.uploadPartUrl({ key, uploadId, part, expiresInSeconds, signedAt: clock.now(), headers: signedHeaders }), headers };
      } catch (error) {
        throw translateS3Error(error, 'presign');
      }
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
    async presignListParts({ key, resumableId, expiresInSeconds }) {
      const UploadId = requireUploadId(resumableId, 'S3 ListParts');
      const command = new ListPartsCommand({ Bucket, Key: key, UploadId });
      const url = await presign(expiresInSeconds, SIGN_DEFAULTS, (o) => getSignedUrl(client, command, o));
      return { verb: 'GET', url, headers: {} };
    },

    // POST Object (browser form): the policy binds the bucket, this exact key, the
    // content type and a content-length-range, and lasts expiresInSeconds.
    async presignForm({ key, mime, minSize, maxSize, expiresInSeconds }) {
      checkExpiry(expiresInSeconds);
      try {
        const { url, fields } = await createPresignedPost(client, {
          Bucket,
          Key: key,
          Conditions: [['content-length-range', minSize, maxSize], ['eq', '$Content-Type', mime]],
          Fields: { 'Content-Type': mime },
          Expires: expiresInSeconds,
        });
        return { url, fields };
      } catch (error) {
        throw translateS3Error(error, 'presign POST policy');
      }
    },
  };
}

/** The header of an x-amz-checksum-* algorithm; 400 for one S3 does not take. */
function amzChecksum(checksum: Checksum): { header: string; value: string } {
  if (checksum.algorithm === 'md5' || checksum.algorithm === 'crc64') throw errors.badRequest(`S3 takes no ${checksum.algorithm} checksum on a part`);
  return { header: `x-amz-checksum-${checksum.algorithm}`, value: checksum.base64 };
}
