// PUT /:id → 200 {ok:true, upload} after verifying the store (422 if it does not match).
// GET /:id → the record, its parts, bytes known, state and expiry.
// DELETE /:id → 202, aborts the store upload and deletes the object; idempotent.
import type { RequestHandler } from 'express';
import { abort, finalize, status } from '../../../domain/lifecycle.js';
import { wirePartData, wireUpload } from '../serialise.js';
import { accessOf, idParam, type RouteDeps } from '../../../http/route-deps.js';

export function finalizeRoute({ ctx }: RouteDeps): RequestHandler {
  return async (req, res) => {
    const record = await finalize(ctx, accessOf(res), idParam(req.params));
    res.json({ ok: true, upload: wireUpload(record) });
  };
}

export function statusRoute({ ctx }: RouteDeps): RequestHandler {
  return async (req, res) => {
    const { record, state, parts, bytesKnown } = await status(ctx, accessOf(res), idParam(req.params));
    const done = parts.filter((p) => p.done);
    res.json({
      ...wireUpload(record, state),
      part_list: done.map((p) => p.part),
      part_data: wirePartData(done),
      parts_signed: parts.map((p) => p.part),
      bytes_known: bytesKnown,
    });
  };
}

export function abortRoute({ ctx }: RouteDeps): RequestHandler {
  return async (req, res) => {
    await abort(ctx, accessOf(res), idParam(req.params));
    res.status(202).end();
  };
}
