// How a file is cut into parts. PROTOCOL.md "Part plan and limits".
import { errors } from './errors.js';
import type { StoreType } from './upload.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;

export interface StoreLimits {
  maxParts: number;
  /** Every part but the last must be at least this big (S3: EntityTooSmall). */
  minPartSize: number;
  maxPartSize: number;
  maxObjectSize: number;
  /** The part size chosen when the file is small enough for it. */
  preferredPartSize: number;
}

export const STORE_LIMITS: Record<StoreType, StoreLimits> = {
  // S3: parts 1..10,000, all but the last ≥ 5 MiB, each ≤ 5 GiB, object ≤ 5 TiB.
  // 5 MiB is also what PlaceOS's client hard-codes, so its parts match our plan.
  s3: { maxParts: 10_000, minPartSize: 5 * MiB, maxPartSize: 5 * GiB, maxObjectSize: 5 * TiB, preferredPartSize: 5 * MiB },
  // Azure: ≤ 50,000 committed blocks, each ≤ 4,000 MiB.
  azure: { maxParts: 50_000, minPartSize: 1, maxPartSize: 4000 * MiB, maxObjectSize: 50_000 * 4000 * MiB, preferredPartSize: 4 * MiB },
};

export interface PartPlan {
  kind: 'direct' | 'chunked';
  partSize: number;
  partCount: number;
}

/** The plan for a file of `fileSize` bytes: one PUT up to the threshold, else equal parts that fit the store's limits. */
export function planParts(fileSize: number, store: StoreType, directThreshold: number): PartPlan {
  const limits = STORE_LIMITS[store];
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) throw errors.badRequest('file_size must be a non-negative integer');
  if (fileSize > limits.maxObjectSize) {
    throw errors.tooLarge(`file_size ${fileSize} exceeds the store's maximum object size of ${limits.maxObjectSize} bytes`);
  }
  if (fileSize <= directThreshold) return { kind: 'direct', partSize: fileSize, partCount: 1 };
  // Grow the part size in whole MiB until the part count fits.
  let partSize = limits.preferredPartSize;
  if (Math.ceil(fileSize / partSize) > limits.maxParts) {
    partSize = Math.ceil(fileSize / limits.maxParts / MiB) * MiB;
  }
  if (partSize > limits.maxPartSize) throw errors.tooLarge(`file_size ${fileSize} needs parts larger than the store allows`);
  return { kind: 'chunked', partSize, partCount: Math.ceil(fileSize / partSize) };
}

/** Size of part `part` (1-based) under the plan, or undefined when the part lies outside it. */
export function plannedPartSize(plan: { partSize: number; partCount: number }, fileSize: number, part: number): number | undefined {
  if (part < 1 || part > plan.partCount) return undefined;
  if (part < plan.partCount) return plan.partSize;
  return fileSize - plan.partSize * (plan.partCount - 1);
}
