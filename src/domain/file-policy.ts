// File names, object keys and the per-storage filters. PlaceOS strips the
// path and maps everything outside [\w.-] to `_`; we do the same, and never
// let a client-chosen path reach an object key.
import { createHash } from 'node:crypto';
import { errors } from './errors.js';

export interface FileFilters {
  /** Lower-case extensions without the dot; absent = any. */
  extensions?: string[];
  /** Lower-case mime types (`type/*` allowed); absent = any. */
  mimes?: string[];
  maxFileSize?: number;
}

const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;
const MAX_NAME_LENGTH = 255;

/** The file's base name with every unsafe character replaced by `_`; throws on names that stay unusable. */
export function sanitiseFileName(raw: string): string {
  const base = raw.split(/[\\/]/).pop() ?? '';
  const cleaned = base.normalize('NFC').replace(/[^\p{L}\p{N}_.-]/gu, '_').replace(/^\.+/, '_');
  if (cleaned.length === 0 || /^_*$/.test(cleaned) || cleaned.includes('..')) {
    throw errors.invalidFile(`the file name ${JSON.stringify(raw)} is not usable`);
  }
  if (WINDOWS_DEVICE.test(cleaned)) throw errors.invalidFile(`the file name ${JSON.stringify(raw)} is a reserved device name`);
  if (cleaned.length > MAX_NAME_LENGTH) throw errors.invalidFile(`the file name is longer than ${MAX_NAME_LENGTH} characters`);
  return cleaned;
}

/** Lower-case extension without the dot, or '' (`archive.tar.gz` → `gz`). */
export function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  if (dot <= 0 || dot === fileName.length - 1) return '';
  return fileName.slice(dot + 1).toLowerCase();
}

/**
 * A tenant's key prefix, one to one: letters, digits and `-` stay, every other byte becomes
 * `_` and two hex digits (`_` itself too), so no two tenants share a prefix (`acme.corp` →
 * `acme_2ecorp`, `acme_corp` → `acme_5fcorp`). A name that would be longer than 64 characters
 * becomes `~` and a SHA-256 of it, still one to one for any practical purpose.
 */
export function tenantPrefix(tenant: string): string {
  const escaped = [...Buffer.from(tenant, 'utf8')].map((byte) => (/[A-Za-z0-9-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `_${byte.toString(16).padStart(2, '0')}`)).join('');
  if (escaped === '') return '_';
  return escaped.length <= 64 ? escaped : `~${createHash('sha256').update(tenant).digest('hex')}`;
}

/** Broker-chosen key: tenant prefix, random name, sanitised extension. */
export function objectKeyFor(tenant: string, randomName: string, fileName: string): string {
  const ext = extensionOf(fileName).replace(/[^a-z0-9]/g, '').slice(0, 16);
  return `${tenantPrefix(tenant)}/${randomName}${ext ? `.${ext}` : ''}`;
}

/** Why the filters refuse this file, or undefined when they accept it. Size is checked by checkFileSize. */
export function filterRefusal(filters: FileFilters, fileName: string, mime: string | undefined): string | undefined {
  const ext = extensionOf(fileName);
  if (filters.extensions && !filters.extensions.includes(ext)) {
    return `extension ${ext ? `.${ext}` : '(none)'} is not allowed (allowed: ${filters.extensions.map((e) => `.${e}`).join(', ')})`;
  }
  if (filters.mimes && mime !== undefined) {
    const lower = mime.toLowerCase();
    const family = `${lower.split('/')[0]}/*`;
    if (!filters.mimes.includes(lower) && !filters.mimes.includes(family)) {
      return `mime type ${mime} is not allowed (allowed: ${filters.mimes.join(', ')})`;
    }
  }
  return undefined;
}

export function sizeRefusal(filters: FileFilters, fileSize: number): string | undefined {
  if (filters.maxFileSize !== undefined && fileSize > filters.maxFileSize) {
    return `the file's size (${fileSize} bytes) exceeds this storage's maximum of ${filters.maxFileSize} bytes`;
  }
  return undefined;
}
