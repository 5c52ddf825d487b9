// Content-Disposition for presigned downloads (S3 response-content-disposition,
// Azure rscd). RFC 6266: `filename*` (RFC 8187, UTF-8, percent-encoded) carries
// the real name; the quoted ASCII `filename` is the fallback for old clients.

/** `attachment; filename="…"; filename*=UTF-8''…` for a file name of any characters. */
export function attachmentDisposition(fileName: string): string {
  // Quoted-string fallback: no control or non-ASCII characters, no quote,
  // backslash or percent (some browsers percent-decode `filename`).
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  // RFC 8187 attr-char excludes ' ( ) * which encodeURIComponent leaves alone.
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
