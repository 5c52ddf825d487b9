// How `list` filters, orders and pages, shared by memory.ts and redis-listing.ts so both
// implementations answer the same query the same way.
import type { UploadRecord } from '../domain/upload.js';
import type { ListQuery, ListResult } from '../domain/ports.js';

/** Newest first; equal createdAt by id descending, which is Redis ZREVRANGE's order. */
export function newestFirst(a: UploadRecord, b: UploadRecord): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** The fields a query filters on. */
export type ListFacts = Pick<UploadRecord, 'tenant' | 'owner' | 'fileName' | 'tags' | 'storageId'>;

/** Whether the query asks for anything beyond the owner's uploads, newest first. */
export function isFiltered(query: ListQuery): boolean {
  return query.search !== undefined || (query.tags ?? []).length > 0 || query.storageId !== undefined;
}

export function matchesQuery(record: ListFacts, query: ListQuery): boolean {
  const search = query.search?.toLowerCase();
  return (
    record.tenant === query.tenant &&
    record.owner === query.owner &&
    (search === undefined || record.fileName.toLowerCase().includes(search)) &&
    (query.tags ?? []).every((tag) => record.tags.includes(tag)) &&
    (query.storageId === undefined || record.storageId === query.storageId)
  );
}

/** Filters records already in order, counts the matches, and cuts out the requested page. */
export function pageOf(records: UploadRecord[], query: ListQuery): ListResult {
  const matches = records.filter((record) => matchesQuery(record, query));
  return { items: matches.slice(query.offset, query.offset + query.limit), total: matches.length };
}
