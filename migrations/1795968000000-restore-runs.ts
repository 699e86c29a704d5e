import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Restore runs: a backup set's policies written back to a tenant (the set's own, or another of
 * the workspace), previewed while `draft`, then executed once (`restore_execute`, strict on the
 * restore run id).
 *
 * - A restore run points at its source set and tenant with `ON DELETE SET NULL`: a purged set or
 *   a deleted source tenant leaves the record (and its results) readable; such a draft can no
 *   longer be executed. The target tenant's deletion takes its restore runs with it.
 * - `restore_run_items` holds each chosen policy's plan (action, target, assignments after
 *   mapping, warnings) and its progress, written before every Graph call of the item:
 *   `pending` → `creating` (just before the create) → `written` (the target id) → `assigned`, or
 *   `skipped` / `unchanged` / `failed` with a code and a message. `position` is the item's number
 *   in the marker a create leaves in the policy's description.
 * - `operation_run_id` is `ON DELETE SET NULL`, as every reference to a run (SPEC §2.7).
 */
export class RestoreRuns1795968000000 implements MigrationInterface {
  name = 'RestoreRuns1795968000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE restore_runs (
        id                        uuid PRIMARY KEY,
        workspace_id              uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        tenant_id                 uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        source_tenant_id          uuid REFERENCES tenants (id) ON DELETE SET NULL,
        source_backup_set_id      uuid REFERENCES backup_sets (id) ON DELETE SET NULL,
        status                    text NOT NULL DEFAULT 'draft'
                                    CHECK (status IN ('draft', 'executing', 'completed')),
        conflict_policy           text NOT NULL CHECK (conflict_policy IN ('skip', 'update', 'create_copy')),
        include_assignments       boolean NOT NULL,
        skip_unmapped_assignments boolean NOT NULL,
        group_mapping             jsonb NOT NULL DEFAULT '{}',
        blockers                  jsonb NOT NULL DEFAULT '[]',
        warnings                  jsonb NOT NULL DEFAULT '[]',
        operation_run_id          uuid REFERENCES operation_runs (id) ON DELETE SET NULL,
        inventory_sync_run_id     uuid REFERENCES operation_runs (id) ON DELETE SET NULL,
        created_by_user_id        uuid,
        created_by_name           text NOT NULL,
        created_at                timestamptz NOT NULL DEFAULT now(),
        updated_at                timestamptz NOT NULL DEFAULT now(),
        executed_at               timestamptz,
        completed_at              timestamptz
      );
      -- The tenant's restore runs, newest first (ids are UUIDv7): keyset on id.
      CREATE INDEX restore_runs_tenant_idx ON restore_runs (tenant_id, id DESC);
      CREATE INDEX restore_runs_run_idx ON restore_runs (operation_run_id)
        WHERE operation_run_id IS NOT NULL;
      CREATE INDEX restore_runs_source_set_idx ON restore_runs (source_backup_set_id)
        WHERE source_backup_set_id IS NOT NULL;

      CREATE TABLE restore_run_items (
        restore_run_id      uuid NOT NULL REFERENCES restore_runs (id) ON DELETE CASCADE,
        position            integer NOT NULL CHECK (position > 0),
        policy_type         text NOT NULL,
        policy_id           text NOT NULL,
        display_name        text,
        action              text NOT NULL CHECK (action IN ('create', 'update', 'skip', 'unchanged')),
        target_policy_id    text,
        target_display_name text,
        assignments         jsonb NOT NULL DEFAULT '[]',
        warnings            jsonb NOT NULL DEFAULT '[]',
        state               text NOT NULL DEFAULT 'pending' CHECK (state IN
                              ('pending', 'creating', 'written', 'assigned', 'skipped', 'unchanged', 'failed')),
        result              text CHECK (result IN ('created', 'updated', 'skipped', 'unchanged', 'failed')),
        result_code         text,
        result_message      text,
        updated_at          timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (restore_run_id, policy_type, policy_id),
        UNIQUE (restore_run_id, position)
      );
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP TABLE restore_run_items;
      DROP TABLE restore_runs;
    `);
  }
}
