// CORS for the broker's own APIs: a web frontend on another origin calls them
// with credentials in headers (no cookies), so preflights must pass before
// authentication, and the headers the APIs answer with must be readable.
// Only the configured origins (`cors_origins`) get any of it.
import cors from 'cors';
import type { RequestHandler } from 'express';

const REQUEST_HEADERS = ['Authorization', 'X-API-Key', 'X-Upload-Token', 'Upload-Token', 'Content-Type'];
// PlaceOS paging, API v1's upload headers, and the download redirect's target.
const EXPOSED_HEADERS = ['X-Total-Count', 'Content-Range', 'Link', 'Upload-ID', 'Upload-Token', 'Range', 'Upload-Expires', 'Location'];

export function apiCors(origins: string[]): RequestHandler {
  return cors({ origin: origins, methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'], allowedHeaders: REQUEST_HEADERS, exposedHeaders: EXPOSED_HEADERS, maxAge: 600 });
}
