import { errorFamily } from '#libs/common/errors';

export enum RestoreErrorCode {
  /** A field names a set, item or group that is not there (400, naming the field). */
  InvalidInput = 'restore.invalid_input',
  /** Only a draft can be changed, deleted or executed for the first time. */
  NotDraft = 'restore.not_draft',
  /** The preview has blockers: execute is refused, naming them. */
  Blocked = 'restore.blocked',
  /** The source backup set was purged (or expired) since the draft was made. */
  SourceGone = 'restore.source_gone',
  /** The restore was executed and completed long ago: its run has been pruned (retention). */
  RunPruned = 'restore.run_pruned',
}

export class RestoreError extends errorFamily<RestoreErrorCode>({
  [RestoreErrorCode.InvalidInput]: 400,
  [RestoreErrorCode.NotDraft]: 409,
  [RestoreErrorCode.Blocked]: 409,
  [RestoreErrorCode.SourceGone]: 409,
  [RestoreErrorCode.RunPruned]: 409,
}) {}

/** A 400 naming `field`. */
export function invalidInput(field: string, message: string): RestoreError {
  return new RestoreError(RestoreErrorCode.InvalidInput, message, [{ field, messages: [message] }]);
}
