// The commit bodies clients send to the store as they are: S3
// CompleteMultipartUpload and Azure Put Block List. Pure functions.
import { errors } from '../domain/errors.js';
import { md5Hex } from '../domain/md5.js';
import type { PartDigest } from '../domain/ports.js';

const XML_TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** Escape text content ('"' may stay literal in text: S3's own examples write <ETag>"…"</ETag>). */
export function escapeXmlText(text: string): string {
  return text.replace(/[&<>]/g, (c) => XML_TEXT_ESCAPES[c] ?? c);
}

/**
 * S3 CompleteMultipartUpload. S3 rules: at least one part, part numbers
 * ascending (else InvalidPartOrder); a plain part's ETag is the quoted hex MD5
 * of its bytes, so the body follows from the MD5s the broker signed.
 */
export function completeMultipartUploadXml(parts: readonly PartDigest[]): string {
  // A PlaceOS finish builds this for 10,000 parts: one string grown part by part. Hex needs no
  // XML escaping, and anything that is not an MD5 is md5Hex's 400.
  let body = '<CompleteMultipartUpload>';
  for (const { part, md5 } of ascendingParts(parts)) body += `<Part><PartNumber>${part}</PartNumber><ETag>"${md5Hex(md5, `part ${part}`)}"</ETag></Part>`;
  return `${body}</CompleteMultipartUpload>`;
}

/**
 * Azure Put Block List naming each block as the latest version of that id
 * (Azure: "Latest" takes the uncommitted block if there is one, else the
 * committed one, so re-committing after a retried block still works).
 */
export function putBlockListXml(blockIds: readonly string[]): string {
  const items = blockIds.map((id) => `<Latest>${escapeXmlText(id)}</Latest>`);
  return `<?xml version="1.0" encoding="utf-8"?><BlockList>${items.join('')}</BlockList>`;
}

/** Parts sorted by number; a 400 for an empty list, a duplicate or a number below 1. */
export function ascendingParts<Part extends { part: number }>(parts: readonly Part[]): Part[] {
  if (parts.length === 0) throw errors.badRequest('a commit needs at least one part');
  const sorted = [...parts].sort((a, b) => a.part - b.part);
  for (const [index, { part }] of sorted.entries()) {
    if (!Number.isInteger(part) || part < 1) throw errors.badRequest(`part numbers start at 1, got ${part}`);
    if (index > 0 && sorted[index - 1]?.part === part) throw errors.badRequest(`part ${part} is listed twice`);
  }
  return sorted;
}
