// S3 ListParts answers read by a focused scan instead of the SDK's XML deserialiser. A resume
// of 10,000 parts reads ten 1,000-part pages; measured here per page (busy 2-core machine,
// scripts/bench/parts-10k.ts for the whole resume): the SDK ≈ 20 ms of CPU, fast-xml-parser
// alone ≈ 21 ms (the SDK uses it), sax ≈ 4 ms, this scan ≈ 0.2 ms. The answer is
// machine-made and flat: each <Part> holds only text elements, so finding each element's
// text is all the parsing it needs. The SDK still sends the request (signing, retries,
// timeouts) and still reads every refusal (its errors are what s3-errors.ts translates);
// test/unit/s3-list-parts.test.ts checks the scan reads what the SDK reads.
import { Readable } from 'node:stream';
import type { ListPartsCommand } from '@aws-sdk/client-s3';

export interface ListedPart {
  part: number;
  size: number;
  /** As the store wrote it, quotes included, entities decoded. */
  etag?: string;
}

export interface ListPartsPage {
  parts: ListedPart[];
  isTruncated: boolean;
  nextPartNumberMarker?: string;
}

const ENTITIES: Record<string, string> = { quot: '"', amp: '&', lt: '<', gt: '>', apos: "'" };

/** XML text content: CDATA unwrapped, the predefined entities and character references decoded. */
function xmlText(raw: string): string {
  if (raw.startsWith('<![CDATA[') && raw.endsWith(']]>')) return raw.slice(9, -3);
  if (!raw.includes('&')) return raw;
  // AWS writes every ETag's quotes as &quot;: that alone is replaced without the general
  // decoder below (which took a third of a 1,000-part page's time).
  const quotes = raw.replaceAll('&quot;', '"');
  if (!quotes.includes('&')) return quotes;
  return raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|quot|amp|lt|gt|apos);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? whole;
  });
}

/** The text of the first <name> element in xml[from, to), trimmed; undefined when there is none. */
function elementText(xml: string, name: string, from = 0, to = xml.length): string | undefined {
  const open = `<${name}>`;
  const start = xml.indexOf(open, from);
  if (start < 0 || start >= to) return undefined;
  const end = xml.indexOf(`</${name}>`, start + open.length);
  if (end < 0 || end > to) return undefined;
  return xmlText(xml.slice(start + open.length, end).trim());
}

const DIGITS = /^[0-9]+$/;

/** One ListParts answer (ListPartsResult). A <Part> without a part number is skipped, as the SDK's output would be. */
export function parseListPartsPage(xml: string): ListPartsPage {
  const parts: ListedPart[] = [];
  let at = xml.indexOf('<Part>');
  // What precedes the first part (or the whole answer) holds the page's own fields.
  const head = at < 0 ? xml : xml.slice(0, at);
  while (at >= 0) {
    const end = xml.indexOf('</Part>', at);
    if (end < 0) break;
    const number = elementText(xml, 'PartNumber', at, end);
    if (number !== undefined && DIGITS.test(number)) {
      const size = elementText(xml, 'Size', at, end);
      const etag = elementText(xml, 'ETag', at, end);
      parts.push({ part: Number(number), size: size !== undefined && DIGITS.test(size) ? Number(size) : 0, ...(etag === undefined ? {} : { etag }) });
    }
    at = xml.indexOf('<Part>', end);
  }
  // S3 writes the page's fields before its parts; a store that writes them after is read too.
  const tail = parts.length > 0 ? xml.slice(xml.lastIndexOf('</Part>')) : '';
  const truncated = elementText(head, 'IsTruncated') ?? elementText(tail, 'IsTruncated');
  const next = elementText(head, 'NextPartNumberMarker') ?? elementText(tail, 'NextPartNumberMarker');
  return { parts, isTruncated: truncated === 'true', ...(next === undefined || next === '' ? {} : { nextPartNumberMarker: next }) };
}

// What the SDK's deserialiser is given instead once the answer has been read here.
const EMPTY_PAGE = '<?xml version="1.0" encoding="UTF-8"?><ListPartsResult></ListPartsResult>';

function isReadable(body: unknown): body is Readable {
  return body instanceof Readable;
}

/**
 * Makes `command` read its successful answer with parseListPartsPage (a middleware next to
 * the transport, inside the SDK's deserialiser and its retries); the returned function gives
 * the page once the command has been sent. A refusal is left to the SDK.
 */
export function focusedListParts(command: ListPartsCommand): () => ListPartsPage | undefined {
  let page: ListPartsPage | undefined;
  command.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response as { statusCode?: number; body?: unknown };
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300 && isReadable(response.body)) {
        const chunks: Buffer[] = [];
        for await (const chunk of response.body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
        page = parseListPartsPage(Buffer.concat(chunks).toString('utf8'));
        response.body = Readable.from([Buffer.from(EMPTY_PAGE)]);
      }
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'signpostListPartsScan' },
  );
  return () => page;
}
