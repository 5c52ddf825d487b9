// What the broker does in an S3 store itself, with its own credentials:
// initiate, list, complete, inspect, verify and abort multipart uploads.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { errors } from '../domain/errors.js';
import { md5Hex } from '../domain/md5.js';
import type { BlobStore } from '../domain/ports.js';
import { s3ObjectFailure } from './object-checks.js';
import { focusedListParts, type ListPartsPage } from './s3-list-parts.js';
import { listEveryPart } from './s3-list-pages.js';
import { isNoSuchUpload, isNotImplemented, isS3NotFound, s3Status, translateS3Error } from './s3-errors.js';
import type { StoreTransport } from './transport.js';
import { ascendingParts } from './xml-bodies.js';

const PLAIN_ETAG = /^[0-9a-f]{32}$/i;

type BrokerOperations = Pick<BlobStore, 'initiateMultipart' | 'listUploadedParts' | 'completeMultipart' | 'statObject' | 'verifyObject' | 'abort' | 'readObject' | 'sealObject' | 'copyPart'>;

export function s3Operations({ client, Bucket, transport }: { client: S3Client; Bucket: string; transport: StoreTransport }): BrokerOperations {
  async function head(key: string): Promise<{ size: number; etag?: string } | undefined> {
    try {
      const answer = await client.send(new HeadObjectCommand({ Bucket, Key: key }));
      const etag = unquote(answer.ETag);
      return { size: answer.ContentLength ?? 0, ...(etag === undefined ? {} : { etag }) };
    } catch (error) {
      if (isS3NotFound(error)) return undefined;
      throw translateS3Error(error, 'HeadObject');
    }
  }

  // One page, read by the focused scan (s3-list-parts.ts); the SDK's own reading of it stands in
  // should the scan not have seen the answer.
  async function listPage(Key: string, UploadId: string, marker: string | undefined): Promise<ListPartsPage> {
    const page = { MaxParts: transport.listPageSize, ...(marker === undefined ? {} : { PartNumberMarker: marker }) };
    const command = new ListPartsCommand({ Bucket, Key, UploadId, ...page });
    const scanned = focusedListParts(command);
    const answer = await client.send(command);
    return scanned() ?? {
      parts: (answer.Parts ?? []).flatMap((p) => (p.PartNumber === undefined ? [] : [{ part: p.PartNumber, size: p.Size ?? 0, ...(p.ETag === undefined ? {} : { etag: p.ETag }) }])),
      isTruncated: answer.IsTruncated === true,
      ...(answer.NextPartNumberMarker === undefined ? {} : { nextPartNumberMarker: answer.NextPartNumberMarker }),
    };
  }

  return {
    async initiateMultipart({ key, mime }) {
      try {
        const answer = await client.send(new CreateMultipartUploadCommand({ Bucket, Key: key, ContentType: mime }));
        if (!answer.UploadId) throw errors.storeFailed('S3 CreateMultipartUpload answered no UploadId');
        return { resumableId: answer.UploadId };
      } catch (error) {
        throw translateS3Error(error, 'CreateMultipartUpload');
      }
    },

    async listUploadedParts({ key, resumableId, expectedParts }) {
      if (resumableId === undefined || resumableId === '') return [];
      try {
        const listed = await listEveryPart((marker) => listPage(key, resumableId, marker), transport.listPageSize, expectedParts);
        return listed.map((p) => {
          const etag = unquote(p.etag);
          return { part: p.part, size: p.size, ...(etag !== undefined && PLAIN_ETAG.test(etag) ? { md5Hex: etag.toLowerCase() } : {}) };
        });
      } catch (error) {
        if (isNoSuchUpload(error)) return [];
        // A store without ListParts confirms nothing: the client then re-sends every
        // part, which is always safe (a part number's last upload wins).
        if (isNotImplemented(error)) return [];
        throw translateS3Error(error, 'ListParts');
      }
    },

    // The part list names each part's ETag (its hex MD5): S3 refuses the commit
    // (InvalidPart) when a part is missing or holds other bytes.
    async completeMultipart({ key, resumableId, parts }) {
      if (resumableId === undefined || resumableId === '') throw errors.conflict('the multipart upload has no id yet');
      const Parts = ascendingParts(parts).map(({ part, md5 }) => ({ PartNumber: part, ETag: `"${md5Hex(md5, `part ${part}`)}"` }));
      try {
        await client.send(new CompleteMultipartUploadCommand({ Bucket, Key: key, UploadId: resumableId, MultipartUpload: { Parts } }));
      } catch (error) {
        const status = s3Status(error);
        // InvalidPart / InvalidPartOrder / EntityTooSmall: the parts are not what they should be.
        if (status === 400) throw errors.verificationFailed(`the store refused to commit the parts: ${(error as Error).name}`);
        if (isNoSuchUpload(error)) throw errors.conflict('the store no longer holds this multipart upload');
        throw translateS3Error(error, 'CompleteMultipartUpload');
      }
    },

    async statObject({ key }) {
      const answer = await head(key);
      return answer && { size: answer.size };
    },

    async verifyObject(expected) {
      const answer = await head(expected.key);
      if (!answer) return { ok: false, reason: 'the object is not in the store yet: send the upload (or the commit request) first' };
      const failure = s3ObjectFailure(expected, answer);
      return failure === undefined ? { ok: true, size: answer.size } : { ok: false, reason: failure };
    },

    // UploadPartCopy: the store copies the range itself; no byte passes through the broker.
    async copyPart({ key, resumableId, part, sourceKey, first, last }) {
      if (resumableId === undefined || resumableId === '') throw errors.conflict('the multipart upload has no id yet');
      try {
        const answer = await client.send(new UploadPartCopyCommand({
          Bucket, Key: key, UploadId: resumableId, PartNumber: part,
          CopySource: `${Bucket}/${encodeURIComponent(sourceKey)}`,
          CopySourceRange: `bytes=${first}-${last}`,
        }));
        const etag = unquote(answer.CopyPartResult?.ETag);
        return etag !== undefined && PLAIN_ETAG.test(etag) ? { md5: Buffer.from(etag, 'hex').toString('base64') } : {};
      } catch (error) {
        if (isS3NotFound(error) || s3Status(error) === 404) throw errors.conflict('the source object or the multipart upload is not in the store');
        if (s3Status(error) === 400) throw errors.badRequest(`the store refused the copy: ${(error as Error).name}`);
        throw translateS3Error(error, 'UploadPartCopy');
      }
    },

    async readObject({ key }) {
      try {
        const answer = await client.send(new GetObjectCommand({ Bucket, Key: key }));
        if (!answer.Body) throw errors.storeFailed('S3 GetObject answered no body');
        return answer.Body as AsyncIterable<Uint8Array>;
      } catch (error) {
        if (isS3NotFound(error)) throw errors.conflict('the object is not in the store');
        throw translateS3Error(error, 'GetObject');
      }
    },

    // Any multipart upload of this key still open could be committed over the verified
    // object with part and commit URLs signed for it: abort them all (the one that made the
    // object is complete and gone already).
    async sealObject({ key }) {
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      try {
        for (;;) {
          const page = await client.send(new ListMultipartUploadsCommand({ Bucket, Prefix: key, ...(keyMarker === undefined ? {} : { KeyMarker: keyMarker }), ...(uploadIdMarker === undefined ? {} : { UploadIdMarker: uploadIdMarker }) }));
          for (const upload of page.Uploads ?? []) {
            if (upload.Key !== key || upload.UploadId === undefined) continue;
            await client.send(new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId: upload.UploadId })).catch((error: unknown) => {
              if (!isNoSuchUpload(error) && s3Status(error) !== 404) throw error;
            });
          }
          if (!page.IsTruncated || (page.NextKeyMarker === keyMarker && page.NextUploadIdMarker === uploadIdMarker)) break;
          keyMarker = page.NextKeyMarker;
          uploadIdMarker = page.NextUploadIdMarker;
        }
      } catch (error) {
        // A store without multipart listing has nothing this broker could abort.
        if (isNotImplemented(error)) return;
        throw translateS3Error(error, 'seal (ListMultipartUploads/AbortMultipartUpload)');
      }
    },

    // Idempotent: an unknown upload (already aborted) and a missing object are success.
    async abort({ key, resumableId }) {
      if (resumableId !== undefined && resumableId !== '') {
        try {
          await client.send(new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId: resumableId }));
        } catch (error) {
          // AWS answers NoSuchUpload for an upload that is gone (aborted or completed); Swift
          // answers 404 NoSuchKey for a completed one. Either way: on to the object.
          if (!isNoSuchUpload(error) && s3Status(error) !== 404) throw translateS3Error(error, 'AbortMultipartUpload');
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
  // Not a regular expression: a resume unquotes 10,000 of these (7 ms as a replace).
  return etag !== undefined && etag.length >= 2 && etag.startsWith('"') && etag.endsWith('"') ? etag.slice(1, -1) : etag;
}
