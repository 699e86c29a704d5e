import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Backup schedules, backup sets and the scheduler's bookkeeping.
 *
 * - `backup_schedules.next_fire_at` is the scheduler's index: fires at or after it are still owed.
 *   It is NULL for disabled and deleted schedules, so the partial index holds only schedules that
 *   can fire, and a tick reads the due ones in `next_fire_at` order without loading the rest.
 *   Schedules are soft-deleted: their runs (in operation_runs, by `context.scheduleId`) and their
 *   backup sets stay readable.
 * - Backup sets point at the run that made them with `ON DELETE SET NULL` (pruning runs leaves
 *   sets readable); retention expires sets (`expired_at`) and the purge deletes expired ones.
 * - `operation_runs.workspace_id` may be NULL: system-wide runs (the liveness sweep, pruning) are
 *   runs like any other, belonging to no workspace.
 * - `scheduler_duties` remembers the last slot of each periodic duty that was started, so a tick
 *   starts a duty once per slot without trying every minute.
 */
export class BackupScheduling1795795200000 implements MigrationInterface {
  name = 'BackupScheduling1795795200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE operation_runs ALTER COLUMN workspace_id DROP NOT NULL,
        ADD CONSTRAINT operation_runs_system_runs_have_no_tenant
          CHECK (workspace_id IS NOT NULL OR tenant_id IS NULL);

      -- The runs of a schedule (GET /…/backup-schedules/{id}/runs, the overlap check): only runs
      -- that name a schedule pay for this index.
      CREATE INDEX operation_runs_schedule_idx ON operation_runs ((context ->> 'scheduleId'), id DESC)
        WHERE (context ->> 'scheduleId') IS NOT NULL;

      CREATE TABLE backup_schedules (
        id             uuid PRIMARY KEY,
        workspace_id   uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        tenant_id      uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        name           text NOT NULL,
        enabled        boolean NOT NULL,
        cron           text NOT NULL,
        timezone       text NOT NULL,
        policy_types   text[] NOT NULL DEFAULT '{}',
        keep_last      integer NOT NULL CHECK (keep_last BETWEEN 1 AND 1000),
        overlap_policy text NOT NULL CHECK (overlap_policy IN ('skip', 'allow')),
        next_fire_at   timestamptz,
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now(),
        deleted_at     timestamptz,
        CHECK (next_fire_at IS NULL OR (enabled AND deleted_at IS NULL))
      );
      CREATE INDEX backup_schedules_due_idx ON backup_schedules (next_fire_at)
        WHERE next_fire_at IS NOT NULL;
      CREATE INDEX backup_schedules_tenant_idx ON backup_schedules (tenant_id, created_at, id)
        WHERE deleted_at IS NULL;

      CREATE TABLE backup_sets (
        id               uuid PRIMARY KEY,
        workspace_id     uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        tenant_id        uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        schedule_id      uuid REFERENCES backup_schedules (id) ON DELETE SET NULL,
        operation_run_id uuid REFERENCES operation_runs (id) ON DELETE SET NULL,
        name             text NOT NULL,
        item_count       integer NOT NULL DEFAULT 0,
        created_at       timestamptz NOT NULL DEFAULT now(),
        expired_at       timestamptz
      );
      CREATE INDEX backup_sets_tenant_idx ON backup_sets (tenant_id, created_at DESC, id DESC)
        WHERE expired_at IS NULL;
      CREATE INDEX backup_sets_schedule_idx ON backup_sets (schedule_id, created_at DESC, id DESC)
        WHERE schedule_id IS NOT NULL AND expired_at IS NULL;
      CREATE INDEX backup_sets_expired_idx ON backup_sets (workspace_id) WHERE expired_at IS NOT NULL;
      CREATE INDEX backup_sets_run_idx ON backup_sets (operation_run_id) WHERE operation_run_id IS NOT NULL;

      -- An item is the policy as captured once: content and assignments never change afterwards.
      CREATE TABLE backup_set_items (
        backup_set_id uuid NOT NULL REFERENCES backup_sets (id) ON DELETE CASCADE,
        policy_type   text NOT NULL,
        policy_id     text NOT NULL,
        display_name  text,
        content       jsonb NOT NULL,
        assignments   jsonb NOT NULL,
        content_hash  text NOT NULL,
        captured_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (backup_set_id, policy_type, policy_id)
      );

      CREATE TABLE scheduler_duties (
        name      text PRIMARY KEY,
        last_slot timestamptz NOT NULL
      );
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP TABLE scheduler_duties;
      DROP TABLE backup_set_items;
      DROP TABLE backup_sets;
      DROP TABLE backup_schedules;
      DROP INDEX operation_runs_schedule_idx;
      DELETE FROM operation_runs WHERE workspace_id IS NULL;
      ALTER TABLE operation_runs DROP CONSTRAINT operation_runs_system_runs_have_no_tenant,
        ALTER COLUMN workspace_id SET NOT NULL;
    `);
  }
}
