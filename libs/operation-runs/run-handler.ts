import { applyDecorators, Injectable, SetMetadata } from '@nestjs/common';
import type { RunContext } from './run-context.js';
import type { RunOutcome, RunType } from './run-types.js';

export const RUN_HANDLER = 'tenantops:run-handler';

/** What a handler may end with besides the counted result: the work was not needed, or stopped. */
export type ExplicitOutcome = Extract<RunOutcome, 'skipped' | 'cancelled'>;

/**
 * Executes the work of one run type. The handler never touches the run's status: it reports
 * counts and failures through the context, and throws (or returns an explicit outcome) to end.
 */
export interface RunHandler<T extends RunType = RunType> {
  execute(context: RunContext<T>): Promise<void | ExplicitOutcome>;
}

/** Marks the class that executes runs of `type`. Exactly one per registered type, or boot fails. */
export const HandlesRun = (type: RunType) =>
  applyDecorators(Injectable(), SetMetadata(RUN_HANDLER, type));
