import { RecordNotFoundError } from '#libs/common/errors';
import { GraphUnauthorizedError } from '#libs/graph';
import { RunSkipped } from '#libs/operation-runs';
import { BackupScheduleRepository, type BackupSchedule } from './backup-schedules.repository.js';

/** Skip codes of a backup run that finds it should not (or cannot) run (SPEC §2 rule 4). */
export const SkipCode = {
  ScheduleDeleted: 'schedule.deleted',
  ScheduleDisabled: 'schedule.disabled',
  Overlap: 'schedule.overlap',
  TenantGone: 'tenant.not_found',
  NoProviderConnection: 'provider.connection_failed',
} as const;

/**
 * A tenant that is gone, or whose credentials Graph refuses (the provider connection does not
 * work), skips the run with that code rather than failing it; anything else is rethrown.
 */
export function skipWhenUnusable(error: unknown): never {
  if (error instanceof GraphUnauthorizedError) {
    throw new RunSkipped(
      SkipCode.NoProviderConnection,
      `The tenant's provider connection does not sign in: ${error.message}`,
    );
  }
  if (error instanceof RecordNotFoundError) {
    throw new RunSkipped(SkipCode.TenantGone, 'The tenant is no longer managed.');
  }
  throw error;
}

/** The schedule a run works for; a deleted one skips the run. */
export async function liveSchedule(
  schedules: BackupScheduleRepository,
  id: string,
): Promise<BackupSchedule> {
  const schedule = await schedules.findAny(id);
  if (!schedule || schedule.deletedAt) {
    throw new RunSkipped(SkipCode.ScheduleDeleted, 'The schedule was deleted.');
  }
  return schedule;
}
