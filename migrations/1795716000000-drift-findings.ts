import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drift findings: what changed between the inventories of two inventory syncs. Each finding names
 * the drift run that wrote it and the two syncs it compared; all three become NULL when those runs
 * are pruned (SPEC §2.7), and the finding stays readable.
 */
export class DriftFindings1795716000000 implements MigrationInterface {
  name = 'DriftFindings1795716000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE drift_findings (
        id                         uuid PRIMARY KEY,
        tenant_id                  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        operation_run_id           uuid REFERENCES operation_runs (id) ON DELETE SET NULL,
        baseline_operation_run_id  uuid REFERENCES operation_runs (id) ON DELETE SET NULL,
        current_operation_run_id   uuid REFERENCES operation_runs (id) ON DELETE SET NULL,
        policy_type                text NOT NULL,
        graph_id                   text NOT NULL,
        display_name               text NOT NULL,
        change                     text NOT NULL CHECK (change IN ('added', 'removed', 'modified')),
        baseline_content           jsonb,
        current_content            jsonb,
        created_at                 timestamptz NOT NULL DEFAULT now(),
        -- A retried drift run writes each finding once.
        UNIQUE (operation_run_id, policy_type, graph_id)
      );
      -- Lists, newest first (ids are UUIDv7), per tenant; the run references for pruning.
      CREATE INDEX drift_findings_tenant_idx ON drift_findings (tenant_id, id DESC);
      CREATE INDEX drift_findings_baseline_idx ON drift_findings (baseline_operation_run_id)
        WHERE baseline_operation_run_id IS NOT NULL;
      CREATE INDEX drift_findings_current_idx ON drift_findings (current_operation_run_id)
        WHERE current_operation_run_id IS NOT NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE drift_findings;');
  }
}
