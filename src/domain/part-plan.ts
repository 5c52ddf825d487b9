// How a file is cut into parts (PROTOCOL.md "Part plan and limits"; seed 004's
// part rules): one request up to the direct threshold, else equal parts that
// fit the storage's part policy — the store's own limits narrowed by config.
// Every part size the broker plans or a client asks for is checked here.
import { errors } from './errors.js';
import type { StoreLimits } from './ports.js';

const MiB = 1024 * 1024;

/** Seed 004's rules, as a storage applies them. Part numbers always run 1..count. */
export interface PartPolicy {
  /** Every part but the last is at least this big. */
  minPartSize: number;
  maxPartSize: number;
  /** Every part but the last is a multiple of this. */
  partSizeUnit: number;
  maxPartCount: number;
}

/** What a deployment may set; each narrows the store's limits. */
export type PartPolicyConfig = Partial<PartPolicy>;

export const DEFAULT_PART_POLICY = { minPartSize: 5 * MiB, partSizeUnit: 1, maxPartCount: 10_000 } as const;

/** The store's limits narrowed by config; throws when config would widen them (a broken deployment, caught at start). */
export function effectivePolicy(limits: StoreLimits, config: PartPolicyConfig = {}, where = 'part_policy'): PartPolicy {
  const policy: PartPolicy = {
    minPartSize: Math.max(limits.minPartSize, config.minPartSize ?? DEFAULT_PART_POLICY.minPartSize),
    maxPartSize: config.maxPartSize ?? limits.maxPartSize,
    partSizeUnit: config.partSizeUnit ?? DEFAULT_PART_POLICY.partSizeUnit,
    maxPartCount: config.maxPartCount ?? Math.min(DEFAULT_PART_POLICY.maxPartCount, limits.maxParts),
  };
  if (policy.maxPartSize > limits.maxPartSize) throw new Error(`${where}.max_part_size ${policy.maxPartSize} exceeds the store's maximum part size of ${limits.maxPartSize} bytes`);
  if (policy.maxPartCount > limits.maxParts) throw new Error(`${where}.max_part_count ${policy.maxPartCount} exceeds the store's maximum of ${limits.maxParts} parts`);
  if (config.minPartSize !== undefined && config.minPartSize < limits.minPartSize) throw new Error(`${where}.min_part_size ${config.minPartSize} is below the store's minimum of ${limits.minPartSize} bytes`);
  if (policy.minPartSize > policy.maxPartSize) throw new Error(`${where}: min_part_size ${policy.minPartSize} is above max_part_size ${policy.maxPartSize}`);
  return policy;
}

export interface PartPlan {
  kind: 'direct' | 'chunked';
  partSize: number;
  partCount: number;
}

/** Why `partSize` breaks the policy for a file of `fileSize` bytes (naming the rule), or undefined. */
export function partSizeRefusal(policy: PartPolicy, partSize: number, fileSize: number): string | undefined {
  if (!Number.isSafeInteger(partSize) || partSize < 1) return 'a part size is a whole number of bytes, at least 1';
  // A single part is the last part: the minimum does not apply to it.
  if (partSize < fileSize && partSize < policy.minPartSize) return `part size ${partSize} is below this storage's minimum of ${policy.minPartSize} bytes (every part but the last)`;
  if (partSize > policy.maxPartSize) return `part size ${partSize} is above this storage's maximum of ${policy.maxPartSize} bytes`;
  if (partSize < fileSize && partSize % policy.partSizeUnit !== 0) return `part size ${partSize} is not a multiple of ${policy.partSizeUnit} bytes (every part but the last)`;
  const count = Math.max(1, Math.ceil(fileSize / partSize));
  if (count > policy.maxPartCount) return `part size ${partSize} cuts ${fileSize} bytes into ${count} parts; this storage takes at most ${policy.maxPartCount}`;
  return undefined;
}

/**
 * The plan for a file of `fileSize` bytes: one request up to the threshold (unless the client
 * asked for parts), else equal parts — the size the client asked for, checked, or the smallest
 * size the policy allows that is at least the store's preferred one and fits the part count.
 */
export function planParts(fileSize: number, limits: StoreLimits, directThreshold: number, policy: PartPolicy = effectivePolicy(limits), requested?: number): PartPlan {
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) throw errors.badRequest('the file size must be a non-negative integer');
  if (fileSize > limits.maxObjectSize) {
    throw errors.tooLarge(`the file's size (${fileSize} bytes) exceeds the store's maximum object size of ${limits.maxObjectSize} bytes`);
  }
  if (requested !== undefined) {
    const refusal = partSizeRefusal(policy, requested, fileSize);
    if (refusal) throw errors.badRequest(refusal);
    // A client that asks for a part size wants parts — even one (a part copied from a stored blob needs a multipart upload).
    return { kind: 'chunked', partSize: Math.min(requested, Math.max(fileSize, 1)), partCount: Math.max(1, Math.ceil(fileSize / requested)) };
  }
  if (fileSize <= Math.min(directThreshold, limits.maxSingleSize)) return { kind: 'direct', partSize: fileSize, partCount: 1 };
  const unit = lcm(policy.partSizeUnit, MiB);
  let partSize = roundUp(Math.max(limits.preferredPartSize, policy.minPartSize), policy.partSizeUnit);
  // Grow in whole units (and MiB) until the part count fits.
  if (Math.ceil(fileSize / partSize) > policy.maxPartCount) partSize = roundUp(Math.ceil(fileSize / policy.maxPartCount), unit);
  if (partSize > policy.maxPartSize) throw errors.tooLarge(`a file of ${fileSize} bytes needs parts larger than this storage allows (${policy.maxPartSize} bytes, at most ${policy.maxPartCount} parts)`);
  return { kind: 'chunked', partSize, partCount: Math.ceil(fileSize / partSize) };
}

/** Size of part `part` (1-based) under the plan, or undefined when the part lies outside it. */
export function plannedPartSize(plan: { partSize: number; partCount: number }, fileSize: number, part: number): number | undefined {
  if (part < 1 || part > plan.partCount) return undefined;
  if (part < plan.partCount) return plan.partSize;
  return fileSize - plan.partSize * (plan.partCount - 1);
}

function roundUp(value: number, unit: number): number {
  return Math.ceil(value / unit) * unit;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}
