// CORS for the broker's own APIs: a web frontend on another origin calls them
// with credentials in headers (no cookies), so preflights must pass before
// authentication, and the headers the APIs answer with must be readable.
// Only the configured origins (`cors_origins`) get any of it.
import cors, { type CorsOptions } from 'cors';
import type { RequestHandler } from 'express';

const REQUEST_HEADERS = ['Authorization', 'X-API-Key', 'X-Upload-Token', 'Upload-Token', 'Content-Type'];
// PlaceOS paging, API v1's upload headers, and the download redirect's target.
const EXPOSED_HEADERS = ['X-Total-Count', 'Content-Range', 'Link', 'Upload-ID', 'Upload-Token', 'Range', 'Upload-Expires', 'Location'];

export function apiCors(origins: string[]): RequestHandler {
  return corsFor(origins, { methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'], allowedHeaders: REQUEST_HEADERS, exposedHeaders: EXPOSED_HEADERS, maxAge: 600 });
}

/**
 * The cors middleware for these origins. With none configured no answer can carry a grant,
 * so the headers cors would add to every answer (Vary: Origin, the exposed headers) tell a
 * browser nothing and are left out — cors ran on every API request for them. A preflight is
 * still answered as cors answers it (204, no grant) rather than reaching authentication.
 */
export function corsFor(origins: string[], options: Omit<CorsOptions, 'origin'>): RequestHandler {
  const grant = cors({ ...options, origin: origins });
  if (origins.length > 0) return grant;
  return (req, res, next) => {
    if (req.method === 'OPTIONS') grant(req, res, next);
    else next();
  };
}
