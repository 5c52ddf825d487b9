// The memory repository's blob index, object reference counts, upload sessions,
// sweep schedule and claims: the same behaviour as redis-extras.ts, checked by
// the same contract suite. Single process only.
import type { Clock } from '../domain/clock.js';
import type { BlobKey, UploadRepository, UploadSession } from '../domain/ports.js';

type Extras = Pick<
  UploadRepository,
  'indexBlob' | 'findBlob' | 'unindexBlob' | 'retainObject' | 'releaseObject' | 'createSession' | 'getSession' | 'updateSession' | 'schedule' | 'unschedule' | 'dueForSweep' | 'claim'
>;

const blobKeyOf = (key: BlobKey) => JSON.stringify([key.storageId, key.tenant, key.sha256]);
const objectKeyOf = (storageId: string, objectKey: string) => JSON.stringify([storageId, objectKey]);

export function createMemoryExtras(clock: Clock, retentionMs: number): Extras {
  // Per blob: record id → when it was indexed (newest first on lookup).
  const blobs = new Map<string, Map<string, number>>();
  const objectRefs = new Map<string, number>();
  const sessions = new Map<string, UploadSession>();
  const due = new Map<string, number>();
  const claims = new Map<string, { holder: string; until: number }>();

  const copySession = (session: UploadSession): UploadSession => ({ ...session, blobs: session.blobs.map((b) => ({ ...b })) });
  const liveSession = (id: string): UploadSession | undefined => {
    const session = sessions.get(id);
    if (session && clock.now() > session.expiresAt + retentionMs) {
      sessions.delete(id);
      return undefined;
    }
    return session;
  };

  return {
    async indexBlob(key, id) {
      const ids = blobs.get(blobKeyOf(key)) ?? new Map<string, number>();
      blobs.set(blobKeyOf(key), ids.set(id, clock.now()));
    },
    async findBlob(key) {
      const ids = blobs.get(blobKeyOf(key));
      return ids ? [...ids].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : -1)).map(([id]) => id) : [];
    },
    async unindexBlob(key, id) {
      blobs.get(blobKeyOf(key))?.delete(id);
    },
    async retainObject(storageId, objectKey) {
      const count = (objectRefs.get(objectKeyOf(storageId, objectKey)) ?? 0) + 1;
      objectRefs.set(objectKeyOf(storageId, objectKey), count);
      return count;
    },
    async releaseObject(storageId, objectKey) {
      const count = (objectRefs.get(objectKeyOf(storageId, objectKey)) ?? 0) - 1;
      if (count <= 0) objectRefs.delete(objectKeyOf(storageId, objectKey));
      else objectRefs.set(objectKeyOf(storageId, objectKey), count);
      return count;
    },
    async createSession(session) {
      sessions.set(session.id, copySession(session));
    },
    async getSession(id) {
      const session = liveSession(id);
      return session && copySession(session);
    },
    async updateSession(id, changes) {
      const session = liveSession(id);
      if (!session) return undefined;
      const updated = { ...session, ...changes };
      sessions.set(id, updated);
      return copySession(updated);
    },
    async schedule(id, at) {
      due.set(id, at);
    },
    async unschedule(id) {
      due.delete(id);
    },
    async dueForSweep(now, limit) {
      return [...due].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]).slice(0, limit).map(([id]) => id);
    },
    async claim(name, holder, ttlMs) {
      const held = claims.get(name);
      if (held && held.until > clock.now() && held.holder !== holder) return false;
      claims.set(name, { holder, until: clock.now() + ttlMs });
      return true;
    },
  };
}
