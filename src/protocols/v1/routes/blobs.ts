// GET|HEAD /blobs/:digest → 303 to a presigned GET naming the file (seed 000
// "Download file blobs"); 404 when the caller may read no such blob.
import type { RequestHandler } from 'express';
import { digestParam, type DigestParam } from '../../../../schemas/v1/requests.js';
import { blobReadUrl, readableBlob } from '../../../domain/blob-read.js';
import { accessOf, type RouteDeps } from '../../../http/route-deps.js';
import { wireSha256 } from '../wire-values.js';

export function blobRoute({ ctx, validators }: RouteDeps): RequestHandler {
  return async (req, res) => {
    const { digest } = validators.params<DigestParam>(digestParam, req.params);
    const record = await readableBlob(ctx, accessOf(res), wireSha256(digest, 'digest'));
    res.redirect(303, await blobReadUrl(ctx, record));
  };
}
