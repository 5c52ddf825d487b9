// The repository contract, continued: the dedupe index, object reference counts, upload
// sessions, the sweep schedule and claims — against memory, Redis and a Redis Cluster.
import { describe, expect, it } from 'vitest';
import type { UploadSession } from '../../src/domain/ports.js';
import { HOUR, RETENTION, memoryImplementation, clusterOfThisFile, redisImplementation, uploadRecord, useHarness } from './repository-fixtures.js';

const clusterImplementation = clusterOfThisFile();

const sha = (n: number) => n.toString(16).padStart(64, '0');

describe.each([memoryImplementation, redisImplementation, clusterImplementation])('UploadRepository contract (blobs, sessions, sweep): $name', (implementation) => {
  const h = useHarness(implementation);

  it('indexes verified blobs by storage, tenant and digest, newest first, and forgets one on request', async () => {
    const key = { storageId: 's3', tenant: 'acme', sha256: sha(1) };
    await h.repo.indexBlob(key, 'uploads-a');
    h.clock.advance(1);
    await h.repo.indexBlob(key, 'uploads-b');
    expect(await h.repo.findBlob(key)).toEqual(['uploads-b', 'uploads-a']);
    for (const other of [{ storageId: 'azure' }, { tenant: 'other' }, { sha256: sha(2) }]) {
      expect(await h.repo.findBlob({ ...key, ...other })).toEqual([]);
    }
    await h.repo.unindexBlob(key, 'uploads-b');
    expect(await h.repo.findBlob(key)).toEqual(['uploads-a']);
  });

  it('counts the records sharing an object; the last release says nobody is left', async () => {
    const key = `acme/${Math.random()}.bin`;
    expect(await h.repo.retainObject('s3', key)).toBe(1);
    expect(await h.repo.retainObject('s3', key)).toBe(2);
    expect(await h.repo.retainObject('azure', key)).toBe(1);
    expect(await h.repo.releaseObject('s3', key)).toBe(1);
    expect(await h.repo.releaseObject('s3', key)).toBe(0);
    // An object never counted (made before counting existed) has nobody else either.
    expect(await h.repo.releaseObject('s3', `${key}.old`)).toBeLessThanOrEqual(0);
    expect(await h.repo.retainObject('s3', key)).toBe(1);
  });

  it('keeps sessions until retention after their expiry, and updates their state', async () => {
    const session: UploadSession = {
      id: `sess-${Math.random().toString(36).slice(2)}`,
      owner: 'user-1',
      tenant: 'tenant-1',
      token: 'tok',
      temporary: false,
      state: 'open',
      createdAt: h.clock.now(),
      expiresAt: h.clock.now() + HOUR,
      blobs: [{ sha256: sha(3), size: 3, mime: 'image/png', name: 'a.png', uploadId: 'uploads-x', alreadyPresent: false }],
    };
    await h.repo.createSession(session);
    expect(await h.repo.getSession(session.id)).toStrictEqual(session);
    expect(await h.repo.updateSession(session.id, { state: 'complete' })).toStrictEqual({ ...session, state: 'complete' });
    expect(await h.repo.getSession(session.id)).toMatchObject({ state: 'complete' });
    h.clock.advance(HOUR + RETENTION + 1);
    expect(await h.repo.getSession(session.id)).toBeUndefined();
    expect(await h.repo.updateSession(session.id, { state: 'open' })).toBeUndefined();
    expect(await h.repo.getSession('sess-unknown')).toBeUndefined();
  });

  it('schedules every new upload at its expiry; answers what is due, earliest first, bounded; reschedules and unschedules', async () => {
    const early = uploadRecord(h.clock, { expiresAt: h.clock.now() + 1_000 });
    const late = uploadRecord(h.clock, { expiresAt: h.clock.now() + 2_000 });
    await h.repo.create(late);
    await h.repo.create(early);
    expect(await h.repo.dueForSweep(h.clock.now(), 10)).toEqual([]);
    expect(await h.repo.dueForSweep(h.clock.now() + 2_000, 10)).toEqual([early.id, late.id]);
    expect(await h.repo.dueForSweep(h.clock.now() + 2_000, 1)).toEqual([early.id]);
    await h.repo.schedule(early.id, h.clock.now() + 5_000);
    expect(await h.repo.dueForSweep(h.clock.now() + 2_000, 10)).toEqual([late.id]);
    await h.repo.unschedule(late.id);
    expect(await h.repo.dueForSweep(h.clock.now() + 9_000, 10)).toEqual([early.id]);
  });

  it('grants a claim to one holder at a time, lets that holder keep it, and frees it after its time', async () => {
    const name = `sweep:${Math.random()}`;
    expect(await h.repo.claim(name, 'broker-1', 60_000)).toBe(true);
    expect(await h.repo.claim(name, 'broker-2', 60_000)).toBe(false);
    expect(await h.repo.claim(name, 'broker-1', 60_000)).toBe(true);
    const racing = await Promise.all(Array.from({ length: 10 }, (_, i) => h.repo.claim(`${name}:race`, `broker-${i}`, 60_000)));
    expect(racing.filter(Boolean)).toHaveLength(1);
  });
});
