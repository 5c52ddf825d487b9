// S3 SDK errors → SignpostError. The SDK throws S3ServiceException subclasses
// whose `name` is the S3 error code and whose $metadata carries the status;
// network failures arrive as plain Node errors (code ECONNREFUSED, …).
import type { SignpostError } from '../domain/errors.js';
import { translateStoreFailure } from './transport.js';

interface S3ErrorShape {
  name?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

export function s3Status(error: unknown): number | undefined {
  const status = (error as S3ErrorShape | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

export function s3Code(error: unknown): string | undefined {
  const name = (error as S3ErrorShape | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

/** HeadObject answers a bare 404 (name NotFound, no body); GET-like calls say NoSuchKey. */
export function isS3NotFound(error: unknown): boolean {
  const code = s3Code(error);
  return s3Status(error) === 404 && (code === 'NotFound' || code === 'NoSuchKey');
}

/** The multipart upload is unknown: never started, aborted, or (AWS) completed. */
export function isNoSuchUpload(error: unknown): boolean {
  return s3Code(error) === 'NoSuchUpload';
}

/** The store does not implement the operation (s3rver has no ListParts: 405; others answer 501). */
export function isNotImplemented(error: unknown): boolean {
  const status = s3Status(error);
  return status === 405 || status === 501;
}

/** Translate anything an S3 call threw; `action` names the operation (never the key or bucket: messages reach clients). */
export function translateS3Error(error: unknown, action: string): SignpostError {
  const status = s3Status(error);
  const code = s3Code(error) ?? 'UnknownError';
  // 503 SlowDown / ServiceUnavailable: S3 asks the caller to come back later.
  const busy = status === 503 || code === 'SlowDown' || code === 'ServiceUnavailable';
  return translateStoreFailure(error, `S3 ${action}`, { status, code, busy });
}
