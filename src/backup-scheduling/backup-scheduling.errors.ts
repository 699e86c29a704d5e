import { errorFamily } from '#libs/common/errors';

export enum BackupSchedulingErrorCode {
  NothingToRetry = 'backup_schedule.nothing_to_retry',
}

export class BackupSchedulingError extends errorFamily<BackupSchedulingErrorCode>({
  [BackupSchedulingErrorCode.NothingToRetry]: 409,
}) {}
