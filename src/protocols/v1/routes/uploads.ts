// API v1 uploads (seeds 000/001), on the domain's digest-addressed uploads.
import type { RequestHandler, Response } from 'express';
import {
  completeQuery, copyPartBody, initiateBody, initiateQuery, partNumberParam, partsBody,
  type CompleteQuery, type CopyPartBody, type InitiateBody, type InitiateQuery, type PartNumberParam, type PartsBody,
} from '../../../../schemas/v1/requests.js';
import { completeBlobUpload } from '../../../domain/blob-complete.js';
import { copyPart } from '../../../domain/copy-part.js';
import { blobStatus } from '../../../domain/blob-status.js';
import { initiateBlobUpload, signBlobParts } from '../../../domain/blob-uploads.js';
import { parseChecksum } from '../../../domain/checksums.js';
import { errors } from '../../../domain/errors.js';
import { abort } from '../../../domain/lifecycle.js';
import { accessOf, idParam, type RouteDeps } from '../../../http/route-deps.js';
import { wireInitiated, wirePart, wirePresent, wireRecord } from '../serialise.js';
import { rangeHeader, wireMd5, wireSha256 } from '../wire-values.js';

function setRange(res: Response, storedBytes: number): void {
  const range = rangeHeader(storedBytes);
  if (range !== undefined) res.set('Range', range);
}

// POST /uploads {filename, size, sha256?, content_type?, temporary?, storage_id?, tags?}
// (filename and temporary also as query parameters) → 202 with Upload-ID, Upload-Token;
// or 200 {already_present: true, blob} when a verified blob the caller may share matches.
export function initiateRoute({ ctx, validators }: RouteDeps): RequestHandler {
  return async (req, res) => {
    const body = validators.body<InitiateBody>(initiateBody, req.body);
    const query = validators.query<InitiateQuery>(initiateQuery, req.query);
    const fileName = body.filename ?? query.filename;
    if (fileName === undefined) throw errors.badRequest('filename is required (in the body or the query)');
    const temporary = body.temporary ?? query.temporary;
    const outcome = await initiateBlobUpload(ctx, accessOf(res), {
      fileName, size: body.size,
      ...(body.sha256 === undefined ? {} : { sha256: wireSha256(body.sha256, 'sha256') }),
      ...(body.content_type === undefined ? {} : { mime: body.content_type }),
      ...(temporary === undefined ? {} : { temporary }),
      ...(body.storage_id === undefined ? {} : { storageId: body.storage_id }),
      ...(body.tags === undefined ? {} : { tags: body.tags }),
      ...(body.part_size === undefined ? {} : { partSize: body.part_size }),
    });
    res.set('Upload-ID', outcome.record.id);
    if (outcome.kind === 'present') {
      res.status(200).json(wirePresent(outcome.record));
      return;
    }
    res.set('Upload-Token', outcome.record.uploadToken);
    res.status(202).json(wireInitiated(outcome.record));
  };
}

// POST /uploads/:id/parts {parts: [{number, md5?, sha256?}]} → {parts: [{number, method, url, headers, expires_at}]}
export function partsRoute({ ctx, validators }: RouteDeps): RequestHandler {
  return async (req, res) => {
    const body = validators.body<PartsBody>(partsBody, req.body);
    const parts = body.parts.map((part, index) => ({
      number: part.number,
      ...(part.md5 === undefined ? {} : { md5: wireMd5(part.md5, `parts[${index}].md5`) }),
      ...(part.sha256 === undefined ? {} : { sha256: wireSha256(part.sha256, `parts[${index}].sha256`) }),
      ...(part.checksum === undefined ? {} : { checksum: parseChecksum(part.checksum, `parts[${index}].checksum`) }),
    }));
    const signed = await signBlobParts(ctx, accessOf(res), idParam(req.params), parts);
    res.json({ parts: signed.map((p) => wirePart(p.number, p.signature, p.expiresAt, p.checks)) });
  };
}

// POST /uploads/:id/parts/:n/copy {source: {sha256} | {upload_id}, range: "bytes=a-b"} → 200 {number, size, md5?}:
// the store copies the range of a blob the caller may read into part n.
export function copyPartRoute({ ctx, validators }: RouteDeps): RequestHandler {
  return async (req, res) => {
    const { n } = validators.params<PartNumberParam>(partNumberParam, req.params);
    const body = validators.body<CopyPartBody>(copyPartBody, req.body);
    const source = 'sha256' in body.source ? { sha256: wireSha256(body.source.sha256, 'source.sha256') } : { uploadId: body.source.upload_id };
    const copied = await copyPart(ctx, accessOf(res), idParam(req.params), n, { source, range: body.range });
    res.json(copied);
  };
}

// POST /uploads/:id/complete?digest=sha-256:<hex> → 201 {id, sha256, size, verified}; 422 when the digest does not match.
export function completeRoute({ ctx, validators }: RouteDeps): RequestHandler {
  return async (req, res) => {
    const query = validators.query<CompleteQuery>(completeQuery, req.query);
    const digest = query.digest === undefined ? undefined : wireSha256(query.digest, 'digest');
    const done = await completeBlobUpload(ctx, accessOf(res), idParam(req.params), digest);
    res.status(201).json({ id: done.record.id, sha256: done.sha256, size: done.size, verified: done.verified });
  };
}

// GET /uploads/:id/status → 204 with Upload-ID, Range (bytes the store holds), Upload-Expires.
export function statusRoute({ ctx }: RouteDeps): RequestHandler {
  return async (req, res) => {
    const { record, state, storedBytes } = await blobStatus(ctx, accessOf(res), idParam(req.params));
    res.set('Upload-ID', record.id);
    setRange(res, storedBytes);
    if (state !== 'complete') res.set('Upload-Expires', new Date(record.expiresAt).toUTCString());
    res.status(204).end();
  };
}

// GET /uploads/:id → the record as JSON.
export function recordRoute({ ctx }: RouteDeps): RequestHandler {
  return async (req, res) => {
    const { record, state, storedBytes } = await blobStatus(ctx, accessOf(res), idParam(req.params));
    res.json(wireRecord(record, state, storedBytes));
  };
}

// POST /uploads/:id/destroy and DELETE /uploads/:id → 204: the store's upload aborted, nothing of it remains.
export function destroyRoute({ ctx }: RouteDeps): RequestHandler {
  return async (req, res) => {
    await abort(ctx, accessOf(res), idParam(req.params));
    res.status(204).end();
  };
}
