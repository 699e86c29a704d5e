import { errorFamily } from '../common/errors/index.js';

export enum OperationRunsErrorCode {
  DispatchFailed = 'dispatch.failed',
  InvalidFilter = 'runs.invalid_filter',
  NotAllowed = 'runs.not_allowed',
  NotCancellable = 'runs.not_cancellable',
}

export class OperationRunsError extends errorFamily<OperationRunsErrorCode>({
  [OperationRunsErrorCode.DispatchFailed]: 503,
  [OperationRunsErrorCode.InvalidFilter]: 400,
  [OperationRunsErrorCode.NotAllowed]: 403,
  [OperationRunsErrorCode.NotCancellable]: 409,
}) {}

/**
 * Thrown by a run handler for failures that a retry cannot mend (the tenant refused access, the
 * input is invalid): the run ends at once as failed, without spending its remaining attempts.
 */
export class NonRetryableRunError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'NonRetryableRunError';
  }
}

/** Thrown by a handler when the work was not needed or not allowed at execution time. */
export class RunSkipped extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RunSkipped';
  }
}
