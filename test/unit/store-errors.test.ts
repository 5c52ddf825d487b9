// Error translation for failures the test servers cannot produce (AWS
// throttling, Azure ServerBusy, a 500): synthetic SDK-shaped errors.
import { describe, expect, it } from 'vitest';
import { errors, SignpostError } from '../../src/domain/errors.js';
import { translateAzureError } from '../../src/stores/azure-errors.js';
import { isNoSuchUpload, isNotImplemented, isS3NotFound, translateS3Error } from '../../src/stores/s3-errors.js';
import { networkFailure } from '../../src/stores/transport.js';

const s3Error = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
const restError = (status: number, code?: string) => Object.assign(new Error('rest'), { name: 'RestError', statusCode: status, ...(code ? { code } : {}) });
const nodeError = (code: string) => Object.assign(new Error(code), { code });

describe('store error translation', () => {
  it('S3: throttling is unavailable, anything else the store answers is a store failure', () => {
    expect(translateS3Error(s3Error('SlowDown', 503), 'HeadObject').code).toBe('store_unavailable');
    expect(translateS3Error(s3Error('InternalError', 500), 'HeadObject').code).toBe('store_failed');
    const denied = translateS3Error(s3Error('AccessDenied', 403), 'ListParts');
    expect(denied.code).toBe('store_failed');
    expect(denied.message).toBe('S3 ListParts failed: 403 AccessDenied');
  });

  it('S3: 405 and 501 mean the store lacks the operation (s3rver has no ListParts)', () => {
    expect(isNotImplemented(s3Error('MethodNotAllowed', 405))).toBe(true);
    expect(isNotImplemented(s3Error('NotImplemented', 501))).toBe(true);
    expect(isNotImplemented(s3Error('InternalError', 500))).toBe(false);
  });

  it('Azure: ServerBusy / 503 is unavailable, 5xx a store failure', () => {
    expect(translateAzureError(restError(503, 'ServerBusy'), 'Get Block List').code).toBe('store_unavailable');
    expect(translateAzureError(restError(500, 'InternalError'), 'Get Block List').code).toBe('store_failed');
    // Not implemented by this store: a 501 of the broker's own, which no client retries.
    expect(translateAzureError(restError(501, 'NotImplemented'), 'Put Block From URL')).toMatchObject({ code: 'store_unsupported', message: 'Azure Put Block From URL: this store does not implement it (NotImplemented)' });
    expect(translateAzureError(restError(403, 'AuthenticationFailed'), 'Delete Blob').message).toBe('Azure Delete Blob failed: 403 AuthenticationFailed');
  });

  it('network failures: refused/reset are unavailable, timeouts are timeouts, also inside AggregateError or cause', () => {
    expect(networkFailure(nodeError('ECONNREFUSED'), 'x')?.code).toBe('store_unavailable');
    expect(networkFailure(new AggregateError([nodeError('ECONNREFUSED'), nodeError('ECONNREFUSED')]), 'x')?.code).toBe('store_unavailable');
    expect(networkFailure(new Error('wrapped', { cause: nodeError('ECONNRESET') }), 'x')?.code).toBe('store_unavailable');
    expect(networkFailure(Object.assign(new Error('t'), { name: 'TimeoutError' }), 'x')?.code).toBe('store_timeout');
    expect(networkFailure(Object.assign(new Error('a'), { name: 'AbortError' }), 'x')?.code).toBe('store_timeout');
    expect(networkFailure(s3Error('InternalError', 500), 'x')).toBeUndefined();
    expect(translateAzureError(restError(0, 'ECONNREFUSED'), 'x').code).toBe('store_unavailable');
  });

  it('keeps the SDK error as the cause and passes SignpostErrors through', () => {
    const original = s3Error('InternalError', 500);
    expect(translateS3Error(original, 'HeadObject').cause).toBe(original);
    const already = errors.conflict('no');
    expect(translateS3Error(already, 'x')).toBe(already);
    expect(translateS3Error('a string', 'x')).toBeInstanceOf(SignpostError);
  });

  it('recognises S3 not-found shapes', () => {
    expect(isS3NotFound(s3Error('NotFound', 404))).toBe(true);
    expect(isS3NotFound(s3Error('NoSuchBucket', 404))).toBe(false);
    expect(isNoSuchUpload(s3Error('NoSuchUpload', 404))).toBe(true);
  });
});
