import { describe, expect, it } from 'vitest';
import { partPlan, partRange } from '../../src/client/part-plan.js';
import { classifyStoreFailure, sendableHeaders, storeErrorOf, storeRejection } from '../../src/client/store-request.js';
import { UploadError } from '../../src/client/errors.js';

const MiB = 1024 * 1024;

describe('client part plan', () => {
  it("uses the broker's part_size and part_count when it sends them", () => {
    expect(partPlan(40 * MiB, 'AmazonS3', 8 * MiB, 5)).toEqual({ partSize: 8 * MiB, partCount: 5 });
    expect(partPlan(40 * MiB, 'AzureStorage', 4 * MiB, undefined)).toEqual({ partSize: 4 * MiB, partCount: 10 });
  });

  it('falls back to PlaceOS sizes on a plain PlaceOS server: S3 5 MiB, Azure 2 MiB', () => {
    expect(partPlan(12 * MiB, 'AmazonS3')).toEqual({ partSize: 5 * MiB, partCount: 3 });
    expect(partPlan(12 * MiB, 'AzureStorage', null, null)).toEqual({ partSize: 2 * MiB, partCount: 6 });
    expect(partPlan(12 * MiB, undefined)).toEqual({ partSize: 5 * MiB, partCount: 3 });
  });

  it('grows the fallback part size in whole MiB to stay within the part limit', () => {
    const s3 = partPlan(100 * 1024 * MiB, 'AmazonS3'); // 100 GiB: 5 MiB parts would be 20,480
    expect(s3.partSize % MiB).toBe(0);
    expect(s3.partCount).toBeLessThanOrEqual(10_000);
    const azure = partPlan(200 * 1024 * MiB, 'AzureStorage');
    expect(azure.partCount).toBeLessThanOrEqual(50_000);
  });

  it('cuts ranges with a short last part', () => {
    const plan = { partSize: 5 * MiB, partCount: 3 };
    expect(partRange(plan, 12 * MiB, 1)).toEqual({ start: 0, end: 5 * MiB });
    expect(partRange(plan, 12 * MiB, 3)).toEqual({ start: 10 * MiB, end: 12 * MiB });
  });
});

describe('store responses', () => {
  it('reads S3 and Azure XML errors', () => {
    expect(storeErrorOf('<?xml version="1.0"?><Error><Code>BadDigest</Code><Message>The Content-MD5 you specified did not match.</Message></Error>')).toEqual({
      code: 'BadDigest',
      message: 'The Content-MD5 you specified did not match.',
    });
    expect(storeErrorOf('<Error><Code>AuthenticationFailed</Code><Message>Server failed\nRequestId:1</Message></Error>').message).toBe('Server failed');
    expect(storeErrorOf('not xml')).toEqual({});
  });

  it('re-signs on 403, re-reads on 400, backs off on 5xx/408/429/network, gives up on the rest', () => {
    expect(classifyStoreFailure(storeRejection(403, '<Code>AccessDenied</Code>', 'PUT'))).toBe('resign');
    expect(classifyStoreFailure(storeRejection(400, '<Code>BadDigest</Code>', 'PUT'))).toBe('reread');
    for (const status of [408, 429, 500, 503]) expect(classifyStoreFailure(storeRejection(status, '', 'PUT'))).toBe('retry');
    expect(classifyStoreFailure(new UploadError({ code: 'store_unreachable', message: 'ECONNRESET', retryable: true }))).toBe('retry');
    expect(classifyStoreFailure(storeRejection(404, '<Code>NoSuchUpload</Code>', 'PUT'))).toBe('fatal');
    expect(classifyStoreFailure(new UploadError({ code: 'not_found', message: 'x', status: 404 }))).toBe('fatal');
    expect(classifyStoreFailure(new Error('x'))).toBe('fatal');
  });

  it('never sends headers a browser forbids (the body sets Content-Length)', () => {
    expect(sendableHeaders({ 'Content-MD5': 'x', 'Content-Length': '5', host: 'h', 'x-ms-blob-type': 'BlockBlob' })).toEqual({ 'Content-MD5': 'x', 'x-ms-blob-type': 'BlockBlob' });
  });
});
