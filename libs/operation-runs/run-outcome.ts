import type { ExplicitOutcome } from './run-handler.js';
import type { RunFailure, RunOutcome } from './run-types.js';

/**
 * SPEC §2 rule 4, for a handler that finished without throwing: no failures → succeeded; some
 * failed items next to succeeded ones (the `succeeded` counter) → partially_succeeded; failures
 * and nothing succeeded → failed. An explicit outcome (skipped, cancelled) wins.
 */
export function outcomeOf(
  result: { summaryCounts: Readonly<Record<string, number>>; failures: readonly RunFailure[] },
  explicit?: ExplicitOutcome,
): Exclude<RunOutcome, 'pending'> {
  if (explicit) return explicit;
  if (result.failures.length === 0) return 'succeeded';
  return (result.summaryCounts.succeeded ?? 0) > 0 ? 'partially_succeeded' : 'failed';
}
