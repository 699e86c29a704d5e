import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The operator surface: run changes announced with NOTIFY (live run events), optional expiry of
 * API tokens, and the audit log's keyset index per workspace.
 */
export class OperatorSurface1796140800000 implements MigrationInterface {
  name = 'OperatorSurface1796140800000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      -- One NOTIFY per run whose visible state an UPDATE changed (status, outcome, counts,
      -- failures, context, attempts, a cancel request), with the run id as the payload: a
      -- statement-level trigger, so a heartbeat that changes nothing visible announces nothing,
      -- and inserts (the starts, group-committed) pay nothing at all. Listeners read the run.
      CREATE FUNCTION operation_runs_announce_changes() RETURNS trigger
        LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('tenantops_run_changes', a.id::text)
          FROM changed_after a JOIN changed_before b USING (id)
         WHERE (a.status, a.outcome, a.summary_counts, a.failures, a.context, a.attempts,
                a.cancel_requested_at)
               IS DISTINCT FROM
               (b.status, b.outcome, b.summary_counts, b.failures, b.context, b.attempts,
                b.cancel_requested_at);
        RETURN NULL;
      END $$;
      CREATE TRIGGER operation_runs_announce_changes
        AFTER UPDATE ON operation_runs
        REFERENCING OLD TABLE AS changed_before NEW TABLE AS changed_after
        FOR EACH STATEMENT EXECUTE FUNCTION operation_runs_announce_changes();

      -- A token may be made to expire; an expired token is refused like a revoked one.
      ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;

      -- GET /workspaces/{id}/audit-log: newest first, keyset on the entry id.
      CREATE INDEX audit_log_workspace_id_idx ON audit_log (workspace_id, id DESC);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX audit_log_workspace_id_idx;
      ALTER TABLE api_tokens DROP COLUMN expires_at;
      DROP TRIGGER operation_runs_announce_changes ON operation_runs;
      DROP FUNCTION operation_runs_announce_changes();
    `);
  }
}
