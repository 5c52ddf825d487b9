// Waiting for a presigned URL to lapse by the store's own reckoning: the tests that prove an
// expired signature is refused (and signed again) wait for the moment the URL names, not for
// a guessed number of seconds.

/** When a presigned URL lapses: S3 X-Amz-Date + X-Amz-Expires, Azure SAS `se`. */
export function urlExpiry(url: string): number {
  const params = new URL(url).searchParams;
  const se = params.get('se');
  if (se) return Date.parse(se);
  const date = params.get('X-Amz-Date');
  const seconds = params.get('X-Amz-Expires');
  if (date === null || seconds === null) throw new Error(`not a presigned URL with an expiry: ${url}`);
  const iso = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`;
  return Date.parse(iso) + Number(seconds) * 1000;
}

/** Resolves once the URL has lapsed, with a second to spare for stores that count whole seconds. */
export async function untilExpired(url: string): Promise<void> {
  const lapse = urlExpiry(url);
  while (Date.now() <= lapse + 1000) await new Promise((resolve) => setTimeout(resolve, 100));
}
