// How a file is cut into parts. PROTOCOL.md "Part plan and limits".
import { errors } from './errors.js';
import type { StoreLimits } from './ports.js';

const MiB = 1024 * 1024;

export interface PartPlan {
  kind: 'direct' | 'chunked';
  partSize: number;
  partCount: number;
}

/** The plan for a file of `fileSize` bytes: one PUT up to the threshold, else equal parts that fit the store's limits. */
export function planParts(fileSize: number, limits: StoreLimits, directThreshold: number): PartPlan {
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) throw errors.badRequest('the file size must be a non-negative integer');
  if (fileSize > limits.maxObjectSize) {
    throw errors.tooLarge(`the file's size (${fileSize} bytes) exceeds the store's maximum object size of ${limits.maxObjectSize} bytes`);
  }
  if (fileSize <= Math.min(directThreshold, limits.maxSingleSize)) return { kind: 'direct', partSize: fileSize, partCount: 1 };
  // Grow the part size in whole MiB until the part count fits.
  let partSize = limits.preferredPartSize;
  if (Math.ceil(fileSize / partSize) > limits.maxParts) {
    partSize = Math.ceil(fileSize / limits.maxParts / MiB) * MiB;
  }
  if (partSize > limits.maxPartSize) throw errors.tooLarge(`a file of ${fileSize} bytes needs parts larger than the store allows`);
  return { kind: 'chunked', partSize, partCount: Math.ceil(fileSize / partSize) };
}

/** Size of part `part` (1-based) under the plan, or undefined when the part lies outside it. */
export function plannedPartSize(plan: { partSize: number; partCount: number }, fileSize: number, part: number): number | undefined {
  if (part < 1 || part > plan.partCount) return undefined;
  if (part < plan.partCount) return plan.partSize;
  return fileSize - plan.partSize * (plan.partCount - 1);
}
