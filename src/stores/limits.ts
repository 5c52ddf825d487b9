// Each store's published size rules, as the domain's StoreLimits.
import type { StoreLimits } from '../domain/ports.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;

// S3: parts 1..10,000, all but the last ≥ 5 MiB, each ≤ 5 GiB, object ≤ 5 TiB; one PUT or
// POST ≤ 5 GiB. 5 MiB is also what PlaceOS's client hard-codes, so its parts match our plan.
export const S3_LIMITS: StoreLimits = {
  maxParts: 10_000,
  minPartSize: 5 * MiB,
  maxPartSize: 5 * GiB,
  maxObjectSize: 5 * TiB,
  maxSingleSize: 5 * GiB,
  preferredPartSize: 5 * MiB,
};

// Azure: ≤ 50,000 committed blocks, each ≤ 4,000 MiB; one Put Blob ≤ 5,000 MiB.
export const AZURE_LIMITS: StoreLimits = {
  maxParts: 50_000,
  minPartSize: 1,
  maxPartSize: 4000 * MiB,
  maxObjectSize: 50_000 * 4000 * MiB,
  maxSingleSize: 5000 * MiB,
  preferredPartSize: 4 * MiB,
};
