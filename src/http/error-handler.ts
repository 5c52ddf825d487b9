// The single mapping from error code to HTTP status, and the one express error
// handler that renders {error, message}. Never a stack trace on the wire.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { SignpostError, errors, type ErrorCode } from '../domain/errors.js';

export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  bad_request: 400,
  invalid_file: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  expired: 410,
  too_large: 413,
  verification_failed: 422,
  rate_limited: 429,
  too_many_uploads: 429,
  quota_exceeded: 413,
  internal: 500,
  store_failed: 502,
  store_unsupported: 501,
  store_unavailable: 503,
  state_unavailable: 503,
  store_timeout: 504,
};

/**
 * Errors express and body-parser raise for a request they cannot read. They carry the
 * http-errors `status` (4xx: the client's fault) and body-parser a `type`; every one of
 * them is a refusal in our own words, never a 500 and never the library's message.
 */
function fromRequestParsing(err: unknown): SignpostError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { type, status, statusCode } = err as { type?: unknown; status?: unknown; statusCode?: unknown };
  switch (type) {
    case 'entity.parse.failed':
      return errors.badRequest('request body is not valid JSON');
    case 'entity.too.large':
      return errors.tooLarge('request body is too large');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return errors.badRequest('request body encoding is not supported');
    case 'request.size.invalid':
      return errors.badRequest('request body is not as long as its Content-Length says');
    default:
      break;
  }
  const code = typeof status === 'number' ? status : statusCode;
  if (typeof code !== 'number' || code < 400 || code > 499) return undefined;
  // The router decodes path parameters with decodeURIComponent: %ZZ, a lone % or a cut-off
  // UTF-8 sequence (%E0%A4%A) cannot be a parameter.
  if (err instanceof URIError) return errors.badRequest('request path has a malformed percent-encoding');
  // zlib failing on a body whose Content-Encoding (gzip, deflate, br) it is not.
  if (typeof (err as { code?: unknown }).code === 'string' && typeof (err as { errno?: unknown }).errno === 'number') {
    return errors.badRequest('request body is not encoded as its Content-Encoding says');
  }
  if (code === 413) return errors.tooLarge('request is too large');
  return errors.badRequest('request could not be read');
}

/** `describeUrl` keeps credentials that travel in a path (Uppy endpoint tokens) out of the log. */
export function errorHandler(logger: Logger, describeUrl: (url: string) => string = (url) => url): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const error = err instanceof SignpostError ? err : (fromRequestParsing(err) ?? errors.internal(err));
    const status = STATUS_BY_CODE[error.code];
    if (status >= 500) logger.error({ err: error.cause ?? err, method: req.method, url: describeUrl(req.originalUrl) }, error.message);
    if (error.retryAfter !== undefined) res.set('Retry-After', String(error.retryAfter));
    if (res.headersSent) return;
    res.status(status).json({ error: error.code, message: error.message });
  };
}

export const notFoundRoute: RequestHandler = (req, _res, next) => {
  next(errors.notFound(`no route for ${req.method} ${req.path}`));
};
