// Upload sessions (seed 002): a set of blobs addressed by SHA-256.
import type { RequestHandler } from 'express';
import { createSessionBody, sessionBlobParam, type CreateSessionBody, type SessionBlobParam } from '../../../../schemas/v1/requests.js';
import { completeSession, confirmSessionBlob, createSession, sessionState } from '../../../domain/sessions.js';
import { accessOf, type RouteDeps } from '../../../http/route-deps.js';
import { wireBlob, wireSession, wireSessionCreated } from '../serialise.js';
import { wireSha256 } from '../wire-values.js';

function sessionIdParam(params: Record<string, unknown>): string {
  const id = params['sid'];
  return typeof id === 'string' ? id : '';
}

// POST /upload-sessions {blobs: [{sha256, size, mime?, name?}], temporary?} → 201 {uploadSessionId, uploadToken, blobs}
export function createSessionRoute({ ctx, validators }: RouteDeps): RequestHandler {
  return async (req, res) => {
    const body = validators.body<CreateSessionBody>(createSessionBody, req.body);
    const blobs = body.blobs.map((blob, index) => ({
      sha256: wireSha256(blob.sha256, `blobs[${index}].sha256`), size: blob.size,
      ...(blob.mime === undefined ? {} : { mime: blob.mime }),
      ...(blob.name === undefined ? {} : { name: blob.name }),
    }));
    const { session, uploads } = await createSession(ctx, accessOf(res), {
      blobs,
      ...(body.temporary === undefined ? {} : { temporary: body.temporary }),
      ...(body.storage_id === undefined ? {} : { storageId: body.storage_id }),
    });
    res.status(201).json(wireSessionCreated(session, uploads));
  };
}

// PUT /upload-sessions/:sid/blobs/:sha256 (no body: the bytes went to the store) → {uploadSessionId, alreadyPresent, blob}
export function confirmBlobRoute({ ctx, validators }: RouteDeps): RequestHandler {
  return async (req, res) => {
    const { sha256 } = validators.params<SessionBlobParam>(sessionBlobParam, req.params);
    const { session, blob, record } = await confirmSessionBlob(ctx, accessOf(res), sessionIdParam(req.params), wireSha256(sha256, 'sha256'));
    res.json({ uploadSessionId: session.id, alreadyPresent: blob.alreadyPresent, id: record.id, blob: wireBlob(record) });
  };
}

// GET /upload-sessions/:sid → the session and each blob's state.
export function sessionRoute({ ctx }: RouteDeps): RequestHandler {
  return async (req, res) => {
    const { session, blobs } = await sessionState(ctx, accessOf(res), sessionIdParam(req.params));
    res.json(wireSession(session, blobs));
  };
}

// POST /upload-sessions/:sid/complete → 200 when every blob is present; 409 naming the missing ones.
export function completeSessionRoute({ ctx }: RouteDeps): RequestHandler {
  return async (req, res) => {
    const { session, blobs } = await completeSession(ctx, accessOf(res), sessionIdParam(req.params));
    res.json(wireSession(session, blobs));
  };
}
