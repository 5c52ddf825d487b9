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
  internal: 500,
  store_failed: 502,
  store_unavailable: 503,
  state_unavailable: 503,
  store_timeout: 504,
};

/** body-parser's own errors carry a `type`; they are the client's fault. */
function fromBodyParser(err: unknown): SignpostError | undefined {
  if (typeof err !== 'object' || err === null || !('type' in err)) return undefined;
  switch ((err as { type: unknown }).type) {
    case 'entity.parse.failed':
      return errors.badRequest('request body is not valid JSON');
    case 'entity.too.large':
      return errors.tooLarge('request body is too large');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return errors.badRequest('request body encoding is not supported');
    default:
      return undefined;
  }
}

/** `describeUrl` keeps credentials that travel in a path (Uppy endpoint tokens) out of the log. */
export function errorHandler(logger: Logger, describeUrl: (url: string) => string = (url) => url): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const error = err instanceof SignpostError ? err : (fromBodyParser(err) ?? errors.internal(err));
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
