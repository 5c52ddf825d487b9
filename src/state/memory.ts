// Upload records in process memory: the embedded default and the reference the Redis
// repository is checked against (test/integration/repository.contract.test.ts). Single
// process only. Every method runs to completion without awaiting, so each is atomic just
// as the Redis scripts are; callers only ever get copies.
import type { Clock } from '../domain/clock.js';
import { errors } from '../domain/errors.js';
import { resumeKeyOf, type PartRecord, type UploadRecord } from '../domain/upload.js';
import { newestFirst, pageOf } from './list-query.js';
import { createMemoryExtras } from './memory-extras.js';
import { createMemoryQuotas } from './memory-quotas.js';
import type { DoneReport, MarkDoneResult, ResumeKey, UploadRepository } from '../domain/ports.js';
import { DEFAULT_RETENTION_AFTER_EXPIRY_MS, isForgotten } from './retention.js';

export interface MemoryRepositoryOptions {
  clock: Clock;
  retentionAfterExpiryMs?: number;
}

interface Entry {
  record: UploadRecord;
  parts: Map<number, PartRecord>;
}

// Forgotten entries are dropped when touched, and all at once at most this often (on create),
// so memory stays bounded by the live uploads without a timer.
const SWEEP_INTERVAL_MS = 60_000;

export function createMemoryRepository(options: MemoryRepositoryOptions): UploadRepository {
  const { clock } = options;
  const retention = options.retentionAfterExpiryMs ?? DEFAULT_RETENTION_AFTER_EXPIRY_MS;
  const entries = new Map<string, Entry>();
  // Same keys as the Redis indexes (redis-keys.ts) but unhashed: JSON arrays join unambiguously.
  const resumeIndex = new Map<string, string>();
  const ownerIndex = new Map<string, Set<string>>();
  let lastSweep = clock.now();

  /** The live entry for this id; a forgotten one is removed (Redis would have expired it). */
  function live(id: string): Entry | undefined {
    const entry = entries.get(id);
    if (entry && isForgotten(entry.record, clock.now(), retention)) {
      entries.delete(id);
      return undefined;
    }
    return entry;
  }

  function sweep(): void {
    if (clock.now() - lastSweep < SWEEP_INTERVAL_MS) return;
    lastSweep = clock.now();
    for (const id of entries.keys()) live(id);
    for (const [key, id] of resumeIndex) if (!entries.has(id)) resumeIndex.delete(key);
    for (const [key, ids] of ownerIndex) {
      for (const id of ids) if (!entries.has(id)) ids.delete(id);
      if (ids.size === 0) ownerIndex.delete(key);
    }
  }

  const extras = createMemoryExtras(clock, retention);

  // The signed MD5 is the truth (PROTOCOL.md "Which MD5 is the truth for a part").
  function markDone(entry: Entry, parts: DoneReport[]): MarkDoneResult {
    const conflicts: number[] = [];
    const unknown: number[] = [];
    for (const { part, md5, reported } of parts) {
      const stored = entry.parts.get(part);
      if (!stored) unknown.push(part);
      else if (md5 !== undefined && md5 !== stored.md5) conflicts.push(part);
      else {
        stored.done = true;
        if (reported !== undefined) stored.reported = reported;
      }
    }
    return { conflicts, unknown };
  }

  return {
    ...extras,
    ...createMemoryQuotas(clock, (id) => live(id)?.record),

    async create(record) {
      sweep();
      await extras.schedule(record.id, record.expiresAt);
      entries.set(record.id, { record: copyRecord(record), parts: new Map() });
      const resumeKey = resumeKeyOf(record);
      if (resumeKey) resumeIndex.set(resumeIndexKey(resumeKey), record.id);
      const ownerKey = ownerKeyOf(record.tenant, record.owner);
      const ids = ownerIndex.get(ownerKey) ?? new Set<string>();
      ownerIndex.set(ownerKey, ids.add(record.id));
    },

    async get(id) {
      const entry = live(id);
      return entry && copyRecord(entry.record);
    },

    async update(id, changes) {
      const entry = live(id);
      if (!entry) return undefined;
      entry.record = { ...entry.record, ...changes };
      // Moving expiresAt into the past makes the record forgotten at once, as in Redis.
      return live(id) && copyRecord(entry.record);
    },

    async transition(id, from, to, at) {
      const entry = live(id);
      if (!entry || !from.includes(entry.record.state)) return false;
      entry.record = { ...entry.record, state: to, updatedAt: at };
      return true;
    },

    async recordPartSignature(id, part) {
      const entry = live(id);
      if (!entry) throw errors.uploadNotFound(id);
      entry.parts.set(part.part, { ...part });
    },

    async markPartsDone(id, parts) {
      const entry = live(id);
      if (!entry) throw errors.uploadNotFound(id);
      return markDone(entry, parts);
    },

    async recordSignedParts(id, { expect, requireResumableId, done, parts, touch }) {
      const entry = live(id);
      if (!entry) return undefined;
      const { record } = entry;
      const refused = (conflicts: number[] = []) => ({ signed: false as const, record: copyRecord(record), conflicts });
      if (record.tenant !== expect.tenant || record.owner !== expect.owner || record.uploadToken !== expect.uploadToken) return refused();
      if (!expect.states.includes(record.state) || clock.now() > record.expiresAt) return refused();
      const reportedId = touch?.resumableId;
      if (requireResumableId && (reportedId === undefined ? record.resumableId === undefined : record.resumableId !== undefined && record.resumableId !== reportedId)) return refused();
      const conflicts = done.filter(({ part: n, md5 }) => md5 !== undefined && entry.parts.has(n) && entry.parts.get(n)?.md5 !== md5).map((d) => d.part);
      if (conflicts.length > 0) return refused(conflicts);
      markDone(entry, done);
      for (const part of parts) entry.parts.set(part.part, { ...part });
      const activity = touch ? { updatedAt: touch.updatedAt, expiresAt: touch.expiresAt, ...(reportedId === undefined ? {} : { resumableId: reportedId }) } : record.state === 'pending' ? { updatedAt: clock.now() } : {};
      entry.record = { ...record, ...activity, ...(record.state === 'pending' ? { state: 'uploading' as const } : {}) };
      const { state, updatedAt, expiresAt, resumableId } = entry.record;
      return { signed: true, changed: { state, updatedAt, expiresAt, ...(resumableId === undefined ? {} : { resumableId }) } };
    },

    async listParts(id) {
      const entry = live(id);
      if (!entry) return [];
      return [...entry.parts.values()].sort((a, b) => a.part - b.part).map((part) => ({ ...part }));
    },

    async findByResumeKey(key) {
      const id = resumeIndex.get(resumeIndexKey(key));
      return id !== undefined && live(id) ? id : undefined;
    },

    async list(query) {
      const ids = ownerIndex.get(ownerKeyOf(query.tenant, query.owner)) ?? new Set<string>();
      const records: UploadRecord[] = [];
      for (const id of ids) {
        const entry = live(id);
        if (entry) records.push(entry.record);
        else ids.delete(id);
      }
      const page = pageOf(records.sort(newestFirst), query);
      return { items: page.items.map(copyRecord), total: page.total };
    },

    async close() {},
  };
}

function resumeIndexKey(key: ResumeKey): string {
  return JSON.stringify([key.tenant, key.owner, key.fileName, key.fileSize, key.fileMd5]);
}

function ownerKeyOf(tenant: string, owner: string): string {
  return JSON.stringify([tenant, owner]);
}

function copyRecord(record: UploadRecord): UploadRecord {
  return { ...record, tags: [...record.tags] };
}
