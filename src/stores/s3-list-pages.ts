// Every part of a multipart upload from S3's ListParts, which answers at most a page (1,000
// parts) a request. One page after another, a resume of 10,000 parts waits for ten round
// trips in a row. When the caller knows how many parts the upload plans, the pages that
// many parts would fill are asked for at once, each from its own PartNumberMarker
// (k × page size), and the listing goes on page by page only past the last of them.
//
// Why the union is the whole listing: a page from marker m holds the first parts numbered
// above m. A truncated page holds a full page of distinct numbers, so its last is at least
// m + page size, the next page's marker: together the pages cover every number up to the
// last page, with overlaps (removed here) where parts are missing. A page that is not
// truncated reaches the end.
import pLimit from 'p-limit';
import type { ListedPart, ListPartsPage } from './s3-list-parts.js';

/** Pages asked for at once: enough to overlap the round trips, few enough not to swamp a store. */
const PAGES_AT_ONCE = 4;

export type ListPage = (marker: string | undefined) => Promise<ListPartsPage>;

export async function listEveryPart(listPage: ListPage, pageSize: number, expectedParts?: number): Promise<ListedPart[]> {
  const pagesKnown = expectedParts === undefined ? 1 : Math.max(1, Math.ceil(expectedParts / pageSize));
  const limit = pLimit(PAGES_AT_ONCE);
  const markers = Array.from({ length: pagesKnown }, (_, k) => (k === 0 ? undefined : String(k * pageSize)));
  const pages = await Promise.all(markers.map((marker) => limit(() => listPage(marker))));
  const listed: ListedPart[] = pages.flatMap((page) => page.parts);
  // Past the pages the plan foresaw (more parts than planned, or a plan not given): one by one.
  let last = pages[pages.length - 1];
  let marker = markers[markers.length - 1];
  while (last !== undefined) {
    const next = last.nextPartNumberMarker;
    // S3 pages by part number; stop if a store says "truncated" without moving on.
    if (!last.isTruncated || next === undefined || next === marker) break;
    marker = next;
    last = await listPage(marker);
    listed.push(...last.parts);
  }
  return ascendingOnce(listed);
}

/**
 * Parts by number, each once (a later listing of a number wins). Pages that did not overlap
 * are already that, and a resume of 10,000 parts skips the Map and the sort.
 */
function ascendingOnce(listed: ListedPart[]): ListedPart[] {
  if (listed.every((part, index) => index === 0 || part.part > (listed[index - 1]?.part ?? 0))) return listed;
  const byNumber = new Map<number, ListedPart>();
  for (const part of listed) byNumber.set(part.part, part);
  return [...byNumber.values()].sort((a, b) => a.part - b.part);
}
