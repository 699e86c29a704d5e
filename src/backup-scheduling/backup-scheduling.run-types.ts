import { Capability } from '#libs/authz';
import { defineRunType, type Json } from '#libs/operation-runs';

declare module '#libs/operation-runs' {
  interface RunTypeInputs {
    /**
     * A manual start names the schedule (and `retryOf`, the failed run it retries); the
     * scheduler's names the fire time too (`scheduledFor`, ISO in UTC).
     */
    backup_schedule_run: { scheduleId: string; scheduledFor?: string; retryOf?: string };
    backup_schedule_retention: { scheduleId: string };
    /** `slot`: the day of the scheduler's daily purge (its strict start). */
    backup_schedule_purge: { slot?: string };
    /** Inventory item ids of the set's tenant, sorted. */
    backup_set_add_policies: { backupSetId: string; policyIds: string[] };
  }
}

const QUEUE = 'backups';

/**
 * Per request when a user starts it (run now, retry); strict on schedule + fire time when the
 * scheduler does, so each fire time has one run whatever the number of schedulers.
 */
export const BACKUP_SCHEDULE_RUN = defineRunType({
  type: 'backup_schedule_run',
  label: 'Scheduled backup',
  capability: Capability.BackupRun,
  scope: 'per_request',
  alsoScopes: ['strict'],
  queue: QUEUE,
  tenantScoped: true,
  identity: ({ scheduleId, scheduledFor }): Json =>
    scheduledFor === undefined ? { scheduleId } : { scheduleId, scheduledFor },
  job: { attempts: 3, backoffMs: 30_000 },
});

export const BACKUP_SCHEDULE_RETENTION = defineRunType({
  type: 'backup_schedule_retention',
  label: 'Backup retention',
  capability: Capability.BackupManage,
  scope: 'active',
  queue: QUEUE,
  tenantScoped: true,
  identity: ({ scheduleId }) => ({ scheduleId }),
});

/** Active per workspace; the scheduler's daily start is strict on the day. */
export const BACKUP_SCHEDULE_PURGE = defineRunType({
  type: 'backup_schedule_purge',
  label: 'Backup purge',
  capability: Capability.BackupManage,
  scope: 'active',
  alsoScopes: ['strict'],
  queue: QUEUE,
  tenantScoped: false,
  identity: ({ slot }): Json => (slot === undefined ? {} : { slot }),
});

export const BACKUP_SET_ADD_POLICIES = defineRunType({
  type: 'backup_set_add_policies',
  label: 'Add policies to a backup set',
  capability: Capability.BackupRun,
  scope: 'active',
  queue: QUEUE,
  tenantScoped: true,
  identity: ({ backupSetId, policyIds }) => ({ backupSetId, policyIds: [...policyIds].sort() }),
});

export const BACKUP_RUN_TYPES = [
  BACKUP_SCHEDULE_RUN,
  BACKUP_SCHEDULE_RETENTION,
  BACKUP_SCHEDULE_PURGE,
  BACKUP_SET_ADD_POLICIES,
];

export const PURGE_EVERY_MS = 24 * 60 * 60_000;
