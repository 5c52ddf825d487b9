// One vitest test per fuzzed route, sharing a time budget: each property gets what is left of
// the budget divided among the routes still to run, with a fixed seed per route.
import fc from 'fast-check';
import { it } from 'vitest';

export interface FuzzBudget {
  seed: number;
  /** Multiplies every route's run count (FUZZ_RUNS). */
  scale: number;
  /** All properties together stop generating past this. */
  budgetMs: number;
}

export function fuzzEachRoute<G>(routes: Array<[string, fc.Arbitrary<G>, number]>, check: (generated: G) => Promise<void>, budget: FuzzBudget): void {
  // fast-check's time limit abandons the run in flight rather than waiting for it: each test
  // waits for it (and fails on its failure), so no request overlaps the next property's.
  let inFlight: Promise<void> = Promise.resolve();
  const checked = (generated: G): Promise<void> => {
    inFlight = check(generated);
    return inFlight;
  };
  let deadline = 0;
  routes.forEach(([name, arbitrary, runs], index) => {
    it(`${name}: no 5xx, no dropped connection, {error, message} on 4xx, nothing changed by a refusal`, async () => {
      if (deadline === 0) deadline = Date.now() + budget.budgetMs;
      const share = Math.max(500, (deadline - Date.now()) / (routes.length - index));
      await fc.assert(fc.asyncProperty(arbitrary, checked), {
        seed: budget.seed + index,
        numRuns: Math.max(1, Math.round(runs * budget.scale)),
        interruptAfterTimeLimit: share,
        markInterruptAsFailure: false,
      });
      await inFlight;
    }, 120_000);
  });
}
