import { errorFamily } from '#libs/common/errors';

export enum DriftErrorCode {
  InvalidRun = 'drift.invalid_run',
  NotEnoughSyncs = 'drift.not_enough_syncs',
}

export class DriftError extends errorFamily<DriftErrorCode>({
  [DriftErrorCode.InvalidRun]: 400,
  [DriftErrorCode.NotEnoughSyncs]: 409,
}) {}
