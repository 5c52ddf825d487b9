// One log line per request, written once the response is done (app.ts step 1).
import type { RequestHandler } from 'express';
import { stdSerializers, type Logger } from 'pino';

/**
 * Step 1: the line pino-http wrote for each request — the same fields in the same order, the
 * same redaction, "request completed", "request aborted" or "request errored" — without the
 * child logger pino-http made for every request (and serialised, redacted and stringified
 * once more than the line needs). The request is serialised as it arrives, as pino-http did
 * (its url and params as they were then); the line is written once the response is done.
 */
export function requestLogging(logger: Logger, options: { redact: string[]; url: (url: string) => string }): RequestHandler {
  const log = logger.child({}, { redact: options.redact, serializers: { res: stdSerializers.res } });
  let lastId = 0;
  return (req, res, next) => {
    const start = Date.now();
    const withId = req as typeof req & { id?: unknown };
    withId.id ||= lastId = (lastId + 1) & 0x7fffffff;
    const serialised = stdSerializers.req(req);
    const logged = { ...serialised, url: options.url(serialised.url) };
    const done = (err?: unknown) => {
      res.off('close', done);
      res.off('finish', done);
      res.off('error', done);
      const responseTime = Date.now() - start;
      const failure = err ?? (res as { err?: unknown }).err;
      if (failure || res.statusCode >= 500) {
        log.info({ req: logged, res, err: failure ?? new Error(`failed with status code ${res.statusCode}`), responseTime }, 'request errored');
        return;
      }
      log.info({ req: logged, res, responseTime }, !req.readableAborted && res.writableEnded ? 'request completed' : 'request aborted');
    };
    res.on('close', done);
    res.on('finish', done);
    res.on('error', done);
    next();
  };
}
