// One log line per request, written once the response is done (app.ts step 1).
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

/** pino's own censor, so a redacted header reads as it did when pino redacted it. */
const CENSOR = '[Redacted]';

export interface RequestLogOptions {
  /** Lower-case names of the request and response headers whose values never reach the log. */
  redact: { request: string[]; response: string[] };
  url: (url: string) => string;
}

/** The headers with the named ones censored: a copy when one is there, else the same object. */
function censored<T extends IncomingHttpHeaders | OutgoingHttpHeaders>(headers: T, names: string[]): T {
  let copy: T | undefined;
  for (const name of names) {
    if (headers[name] === undefined) continue;
    copy ??= { ...headers };
    copy[name as keyof T] = CENSOR as T[keyof T];
  }
  return copy ?? headers;
}

/**
 * Step 1: the line pino-http wrote for each request — the same fields in the same order, the
 * same censored headers, "request completed", "request aborted" or "request errored" — built
 * as a plain object: pino-http made a child logger for every request, and pino's path
 * redaction cloned and walked every line; only the credential headers are censored here, and
 * only when they are there. The request is taken as it arrives, as pino-http did (its url and
 * params as they were then); the line is written once the response is done.
 */
export function requestLogging(logger: Logger, options: RequestLogOptions): RequestHandler {
  const { request: requestHeaders, response: responseHeaders } = options.redact;
  let lastId = 0;
  return (req, res, next) => {
    const start = Date.now();
    const withId = req as typeof req & { id?: unknown };
    withId.id ||= lastId = (lastId + 1) & 0x7fffffff;
    // pino-std-serializers' request fields, in its order.
    const logged = {
      id: withId.id,
      method: req.method,
      url: options.url(req.originalUrl),
      query: req.query,
      params: req.params,
      headers: censored(req.headers, requestHeaders),
      remoteAddress: req.socket.remoteAddress,
      remotePort: req.socket.remotePort,
    };
    let written = false;
    // The first of finish, close and error writes the line.
    const done = (err?: unknown) => {
      if (written) return;
      written = true;
      const responseTime = Date.now() - start;
      const answered = { statusCode: res.headersSent ? res.statusCode : null, headers: censored(res.getHeaders(), responseHeaders) };
      const failure = err ?? (res as { err?: unknown }).err;
      if (failure || res.statusCode >= 500) {
        logger.info({ req: logged, res: answered, err: failure ?? new Error(`failed with status code ${res.statusCode}`), responseTime }, 'request errored');
        return;
      }
      logger.info({ req: logged, res: answered, responseTime }, !req.readableAborted && res.writableEnded ? 'request completed' : 'request aborted');
    };
    res.on('close', done);
    res.on('finish', done);
    res.on('error', done);
    next();
  };
}
