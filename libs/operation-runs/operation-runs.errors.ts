import { errorFamily } from '#libs/common/errors';

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
