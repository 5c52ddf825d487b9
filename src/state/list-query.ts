// How `list` filters, orders and pages, shared by memory.ts and redis.ts so both
// implementations answer the same query the same way.
import type { UploadRecord } from '../domain/upload.js';
import type { ListQuery, ListResult } from '../domain/ports.js';

/** Newest first; equal createdAt by id descending, which is Redis ZREVRANGE's order. */
export function newestFirst(a: UploadRecord, b: UploadRecord): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Filters records already in order, counts the matches, and cuts out the requested page. */
export function pageOf(records: UploadRecord[], query: ListQuery): ListResult {
  const search = query.search?.toLowerCase();
  const matches = records.filter(
    (record) =>
      record.tenant === query.tenant &&
      record.owner === query.owner &&
      (search === undefined || record.fileName.toLowerCase().includes(search)) &&
      (query.tags ?? []).every((tag) => record.tags.includes(tag)) &&
      (query.storageId === undefined || record.storageId === query.storageId),
  );
  return { items: matches.slice(query.offset, query.offset + query.limit), total: matches.length };
}
