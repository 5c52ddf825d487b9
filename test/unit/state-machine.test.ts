import { describe, expect, it } from 'vitest';
import { assertAllowed, effectiveState, isResumable } from '../../src/domain/state-machine.js';
import type { UploadRecord, UploadState } from '../../src/domain/upload.js';

const record = (state: UploadState, expiresAt = 1_000): UploadRecord => ({
  id: 'uploads-x', owner: 'u', tenant: 't', storageId: 's', objectKey: 't/k', fileName: 'f', fileSize: 1, mime: 'a/b',
  fileMd5: 'x', permissions: 'none', public: false, tags: [], state, kind: 'chunked', integrity: 'store-md5', temporary: false, partSize: 1, partCount: 1,
  createdAt: 0, updatedAt: 0, expiresAt, uploadToken: 'tok',
});

describe('state machine', () => {
  it('an unfinished upload past its expiry is expired; a complete one never', () => {
    expect(effectiveState(record('uploading'), 1_001)).toBe('expired');
    expect(effectiveState(record('pending'), 1_000)).toBe('pending');
    expect(effectiveState(record('complete'), 10_000)).toBe('complete');
  });

  it('signing is allowed only while pending or uploading', () => {
    expect(() => assertAllowed(record('pending'), 'sign', 0)).not.toThrow();
    expect(() => assertAllowed(record('uploading'), 'sign', 0)).not.toThrow();
    expect(() => assertAllowed(record('complete'), 'sign', 0)).toThrow(expect.objectContaining({ code: 'conflict' }));
    expect(() => assertAllowed(record('aborted'), 'sign', 0)).toThrow(expect.objectContaining({ code: 'conflict' }));
    expect(() => assertAllowed(record('uploading'), 'sign', 2_000)).toThrow(expect.objectContaining({ code: 'expired' }));
  });

  it('finalize refuses aborted and expired uploads', () => {
    expect(() => assertAllowed(record('aborted'), 'finalize', 0)).toThrow(expect.objectContaining({ code: 'conflict' }));
    expect(() => assertAllowed(record('uploading'), 'finalize', 2_000)).toThrow(expect.objectContaining({ code: 'expired' }));
  });

  it('reading needs a complete upload; abort is always allowed', () => {
    expect(() => assertAllowed(record('uploading'), 'read', 0)).toThrow(expect.objectContaining({ code: 'conflict' }));
    expect(() => assertAllowed(record('complete'), 'read', 0)).not.toThrow();
    for (const state of ['pending', 'uploading', 'complete', 'aborted'] as const) {
      expect(() => assertAllowed(record(state), 'abort', 5_000)).not.toThrow();
    }
  });

  it('only open, unexpired uploads are resumable', () => {
    expect(isResumable(record('uploading'), 0)).toBe(true);
    expect(isResumable(record('uploading'), 2_000)).toBe(false);
    expect(isResumable(record('complete'), 0)).toBe(false);
    expect(isResumable(record('aborted'), 0)).toBe(false);
  });
});
