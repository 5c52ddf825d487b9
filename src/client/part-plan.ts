// How the file is cut. The broker's own plan (part_size/part_count, our
// extension) wins; a plain PlaceOS server sends none, so fall back to what
// PlaceOS's client uses: S3 5 MiB, Azure 2 MiB (grown to fit the part limit).

const MiB = 1024 * 1024;

export interface ClientPartPlan {
  partSize: number;
  partCount: number;
}

const FALLBACK: Record<string, { partSize: number; maxParts: number }> = {
  AmazonS3: { partSize: 5 * MiB, maxParts: 10_000 },
  AzureStorage: { partSize: 2 * MiB, maxParts: 50_000 },
};

export function partPlan(fileSize: number, residence: string | undefined, partSize?: number | null, partCount?: number | null): ClientPartPlan {
  if (typeof partSize === 'number' && partSize > 0) {
    return { partSize, partCount: typeof partCount === 'number' && partCount > 0 ? partCount : Math.max(1, Math.ceil(fileSize / partSize)) };
  }
  const fallback = FALLBACK[residence ?? ''] ?? FALLBACK['AmazonS3']!;
  let size = fallback.partSize;
  // Grow in whole MiB until the count fits the store's part limit.
  if (Math.ceil(fileSize / size) > fallback.maxParts) size = Math.ceil(fileSize / fallback.maxParts / MiB) * MiB;
  return { partSize: size, partCount: Math.max(1, Math.ceil(fileSize / size)) };
}

/** Byte range [start, end) of part `part` (1-based). */
export function partRange(plan: ClientPartPlan, fileSize: number, part: number): { start: number; end: number } {
  const start = (part - 1) * plan.partSize;
  return { start, end: Math.min(fileSize, start + plan.partSize) };
}
