// Uppy Companion's S3 routes (uppy-s3-protocol.md), each mapped onto the same
// domain calls as every protocol: form uploads for small files, broker-run
// multipart uploads for large ones. Uppy's `uploadId` is the Signpost upload
// id (it is opaque to Uppy); its `key` is the broker-chosen object key, and
// the pair must match or the upload is not found.
import type { RequestHandler, Response } from 'express';
import {
  completeBody, createMultipartBody, keyQuery, paramsQuery, partNumberParam,
  type CompleteBody, type CreateMultipartBody, type KeyQuery, type ParamsQuery, type PartNumberParam,
} from '../../../schemas/companion/requests.js';
import type { Access } from '../../domain/access.js';
import { completeFromStore, findByKey, listStoredParts, signUnboundPart, startBrokerMultipart } from '../../domain/broker-multipart.js';
import { startFormUpload } from '../../domain/form-upload.js';
import { abort, readUrl } from '../../domain/lifecycle.js';
import type { RouteDeps } from '../../http/route-deps.js';
import type { TokenClaims } from './token.js';

/** What the token middleware put on the response. */
function holderOf(res: Response): { access: Access; claims: TokenClaims } {
  return res.locals['companion'] as { access: Access; claims: TokenClaims };
}

function uploadIdParam(params: Record<string, unknown>): string {
  const id = params['uploadId'];
  return typeof id === 'string' ? id : '';
}

/** Uppy sends `type` empty for files the browser has no type for. */
function mimeOf(type: string | undefined): { mime?: string } {
  return type === undefined || type === '' ? {} : { mime: type };
}

// GET /s3/params?filename&type → {method: 'POST', url, fields, expires}: a form upload whose
// policy binds the key, the type and the size range. Uppy posts the file there and never calls back.
export function paramsRoute({ ctx, validators }: RouteDeps): RequestHandler {
  return async (req, res) => {
    const query = validators.query<ParamsQuery>(paramsQuery, req.query);
    const { access, claims } = holderOf(res);
    const { form } = await startFormUpload(ctx, access, { fileName: query.filename, ...mimeOf(query.type), ...(claims.storageId === undefined ? {} : { storageId: claims.storageId }) });
    res.json({ method: 'POST', url: form.url, fields: form.fields, expires: ctx.limits.partUrlExpirySeconds });
  };
}

// POST /s3/multipart {filename, type, metadata} → {key, uploadId}: the broker starts the store's multipart upload.
export function createMultipartRoute({ ctx, validators }: RouteDeps): RequestHandler {
  return async (req, res) => {
    const body = validators.body<CreateMultipartBody>(createMultipartBody, req.body);
    const { access, claims } = holderOf(res);
    const record = await startBrokerMultipart(ctx, access, { fileName: body.filename, ...mimeOf(body.type), ...(claims.storageId === undefined ? {} : { storageId: claims.storageId }) });
    res.json({ key: record.objectKey, uploadId: record.id });
  };
}

// GET /s3/multipart/:uploadId/:partNumber?key → {url, expires}: a URL Uppy PUTs the part to with no headers.
export function signPartRoute({ ctx, validators }: RouteDeps): RequestHandler {
  return async (req, res) => {
    const { key } = validators.query<KeyQuery>(keyQuery, req.query);
    const { partNumber } = validators.params<PartNumberParam>(partNumberParam, req.params);
    const { access } = holderOf(res);
    const id = (await findByKey(ctx, access, uploadIdParam(req.params), key)).id;
    const { signature, expiresInSeconds } = await signUnboundPart(ctx, access, id, partNumber);
    res.json({ url: signature.url, expires: expiresInSeconds });
  };
}

// GET /s3/multipart/:uploadId?key → [{PartNumber, ETag, Size}]: what the store holds, for resume.
export function listPartsRoute({ ctx, validators }: RouteDeps): RequestHandler {
  return async (req, res) => {
    const { key } = validators.query<KeyQuery>(keyQuery, req.query);
    const { access } = holderOf(res);
    const id = (await findByKey(ctx, access, uploadIdParam(req.params), key)).id;
    const parts = await listStoredParts(ctx, access, id);
    res.json(parts.map((p) => ({ PartNumber: p.part, Size: p.size, ...(p.md5Hex === undefined ? {} : { ETag: `"${p.md5Hex}"` }) })));
  };
}

// POST /s3/multipart/:uploadId/complete?key {parts: [{PartNumber, ETag}]} → {location, key}:
// committed by the broker from the store's own listing, then verified.
export function completeRoute({ ctx, validators }: RouteDeps): RequestHandler {
  return async (req, res) => {
    const { key } = validators.query<KeyQuery>(keyQuery, req.query);
    const body = validators.body<CompleteBody>(completeBody, req.body);
    const { access } = holderOf(res);
    const id = (await findByKey(ctx, access, uploadIdParam(req.params), key)).id;
    const record = await completeFromStore(ctx, access, id, body.parts.map((p) => ({ part: p.PartNumber, etag: p.ETag })));
    // The object's address in the store (a read link without its signature): Uppy shows it, never fetches it.
    const location = (await readUrl(ctx, access, record.id, 1)).split('?')[0];
    res.json({ location, key: record.objectKey });
  };
}

// DELETE /s3/multipart/:uploadId?key → {}: aborts the store's upload; nothing of it remains.
export function abortRoute({ ctx, validators }: RouteDeps): RequestHandler {
  return async (req, res) => {
    const { key } = validators.query<KeyQuery>(keyQuery, req.query);
    const { access } = holderOf(res);
    const id = (await findByKey(ctx, access, uploadIdParam(req.params), key)).id;
    await abort(ctx, access, id);
    res.json({});
  };
}
