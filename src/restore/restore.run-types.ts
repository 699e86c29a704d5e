import { Capability } from '#libs/authz';
import { defineRunType } from '#libs/operation-runs';

declare module '#libs/operation-runs' {
  interface RunTypeInputs {
    /** The restore run it executes: its identity, and `context.restoreRunId`. */
    restore_execute: { restoreRunId: string };
  }
}

/**
 * Strict on the restore run: one execution ever. It resumes where it stopped — after a failed
 * attempt (Bull retries it), a redelivered job, or a worker killed mid-restore (the next
 * delivery takes the run over): each item's progress is in `restore_run_items`.
 */
export const RESTORE_EXECUTE = defineRunType({
  type: 'restore_execute',
  label: 'Restore',
  capability: Capability.RestoreExecute,
  scope: 'strict',
  queue: 'restore',
  tenantScoped: true,
  resumable: true,
  identity: ({ restoreRunId }) => ({ restoreRunId }),
  job: { attempts: 5, backoffMs: 5000 },
});
