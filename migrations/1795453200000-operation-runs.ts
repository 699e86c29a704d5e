import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The operation_runs table, its identity constraints, and initiator notifications. */
export class OperationRuns1795453200000 implements MigrationInterface {
  name = 'OperationRuns1795453200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      -- Ids are UUIDv7 (time-ordered), made by the application: "newest first" is "id descending",
      -- and one id column is the whole keyset cursor.
      CREATE TABLE operation_runs (
        id                uuid PRIMARY KEY,
        workspace_id      uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        tenant_id         uuid REFERENCES tenants (id) ON DELETE SET NULL,
        type              text NOT NULL,
        status            text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed')),
        outcome           text NOT NULL DEFAULT 'pending'
                          CHECK (outcome IN ('pending', 'succeeded', 'partially_succeeded', 'failed', 'skipped', 'cancelled')),
        initiator_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
        initiator_name    text,
        identity_hash     text NOT NULL,
        identity_scope    text NOT NULL CHECK (identity_scope IN ('active', 'per_request', 'strict')),
        identity_unique   boolean NOT NULL,
        summary_counts    jsonb NOT NULL DEFAULT '{}'::jsonb,
        failures          jsonb NOT NULL DEFAULT '[]'::jsonb,
        context           jsonb NOT NULL DEFAULT '{}'::jsonb,
        attempts          integer NOT NULL DEFAULT 0,
        created_at        timestamptz NOT NULL DEFAULT now(),
        started_at        timestamptz,
        completed_at      timestamptz,
        heartbeat_at      timestamptz,
        cancel_requested_at timestamptz,
        CHECK ((status = 'completed') = (outcome <> 'pending')),
        CHECK ((status = 'completed') = (completed_at IS NOT NULL)),
        CHECK (identity_unique = (identity_scope = 'strict') OR identity_scope = 'per_request')
      );

      -- Identity scopes are constraints, not checks-then-inserts. The hash covers type, workspace,
      -- tenant and inputs, so it alone is the key (workspace-wide runs with a NULL tenant too).
      CREATE UNIQUE INDEX operation_runs_active_identity ON operation_runs (identity_hash)
        WHERE identity_scope = 'active' AND status IN ('queued', 'running');
      CREATE UNIQUE INDEX operation_runs_unique_identity ON operation_runs (identity_hash)
        WHERE identity_unique;

      -- Lists: newest first by id, per workspace, per tenant, per type; small partial indexes for
      -- the rare states. Kept few: every index is paid on each start.
      CREATE INDEX operation_runs_workspace_idx ON operation_runs (workspace_id, id DESC);
      CREATE INDEX operation_runs_tenant_idx ON operation_runs (tenant_id, id DESC) WHERE tenant_id IS NOT NULL;
      CREATE INDEX operation_runs_type_idx ON operation_runs (workspace_id, type, id DESC);
      CREATE INDEX operation_runs_unfinished_idx ON operation_runs (workspace_id, id DESC) WHERE status <> 'completed';
      CREATE INDEX operation_runs_outcome_idx ON operation_runs (workspace_id, outcome, id DESC)
        WHERE status = 'completed' AND outcome <> 'succeeded';
      -- Liveness sweep and retention.
      CREATE INDEX operation_runs_queued_idx ON operation_runs (created_at) WHERE status = 'queued';
      CREATE INDEX operation_runs_running_idx ON operation_runs (heartbeat_at) WHERE status = 'running';
      CREATE INDEX operation_runs_completed_idx ON operation_runs (completed_at) WHERE status = 'completed';

      -- Stored notifications for the initiator of a run (never anyone else). The title is made
      -- from the run type's label when read; the link stays even after the run is pruned.
      CREATE TABLE notifications (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        run_id      uuid REFERENCES operation_runs (id) ON DELETE SET NULL,
        run_type    text NOT NULL,
        event       text NOT NULL CHECK (event IN ('run.queued', 'run.completed')),
        outcome     text,
        link        text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        read_at     timestamptz
      );
      CREATE INDEX notifications_user_idx ON notifications (user_id, id DESC);
      CREATE INDEX notifications_run_idx ON notifications (run_id) WHERE run_id IS NOT NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE notifications; DROP TABLE operation_runs;');
  }
}
