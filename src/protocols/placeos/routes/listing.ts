// GET /?file_search&limit&offset&tags&storage_id → the caller's uploads, with
// X-Total-Count, Content-Range and Link paging headers.
// GET /:id/url?expiry=<min> → 303 to a presigned GET (expiry capped); with
// `Accept: application/json` → 200 {url} instead (browsers cannot read a
// cross-origin redirect's Location, so the demo page asks for JSON).
import { listQuery, urlQuery, type ListQuery, type UrlQuery } from '../../../../schemas/placeos/requests.js';
import type { Request, RequestHandler } from 'express';
import { listUploads, readUrl } from '../../../domain/lifecycle.js';
import { effectiveState } from '../../../domain/state-machine.js';
import { wireUpload } from '../serialise.js';
import { accessOf, idParam, type RouteDeps } from '../../../http/route-deps.js';


function nextLink(req: Request, limit: number, nextOffset: number): string {
  const url = new URL(req.originalUrl, 'http://placeholder');
  url.searchParams.set('limit', String(limit));
  url.searchParams.set('offset', String(nextOffset));
  return `<${url.pathname}${url.search}>; rel="next"`;
}

export function listRoute({ ctx, validators }: RouteDeps): RequestHandler {
  return async (req, res) => {
    const query = validators.query<ListQuery>(listQuery, req.query);
    const tags = query.tags?.split(',').map((t) => t.trim()).filter(Boolean);
    const result = await listUploads(ctx, accessOf(res), {
      ...(query.file_search === undefined ? {} : { search: query.file_search }),
      ...(tags === undefined || tags.length === 0 ? {} : { tags }),
      ...(query.storage_id === undefined ? {} : { storageId: query.storage_id }),
      ...(query.limit === undefined ? {} : { limit: query.limit }),
      ...(query.offset === undefined ? {} : { offset: query.offset }),
    });
    const { items, total, limit, offset } = result;
    res.set('X-Total-Count', String(total));
    const last = offset + items.length - 1;
    res.set('Content-Range', items.length > 0 ? `items ${offset}-${last}/${total}` : `items */${total}`);
    if (offset + items.length < total) res.set('Link', nextLink(req, limit, offset + items.length));
    const now = ctx.clock.now();
    res.json(items.map((record) => wireUpload(record, effectiveState(record, now))));
  };
}

export function readUrlRoute({ ctx, validators }: RouteDeps): RequestHandler {
  return async (req, res) => {
    const query = validators.query<UrlQuery>(urlQuery, req.query);
    const url = await readUrl(ctx, accessOf(res), idParam(req.params), query.expiry);
    if (req.accepts(['text/html', 'application/json']) === 'application/json') {
      res.json({ url });
      return;
    }
    res.redirect(303, url);
  };
}
