import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenant onboarding: the provider connection's last verification on the tenant, each tenant's
 * sync plan, and the index the tenants' last runs are read through.
 *
 * - `connection_*`: what the newest `provider_connection_verify` found (`unverified` until one
 *   completes, and again after the credentials change). `credentials_changed_at` lets a verify
 *   record its result only for the credentials it checked. `connection_run_id` is
 *   `ON DELETE SET NULL`, as every reference to a run (SPEC §2.7).
 * - `sync_plan_entries`: one row per tenant and kind of sync (`inventory`, `directoryGroups`,
 *   `roleDefinitions`), claimed by the scheduler through the `next_fire_at` index as backup
 *   schedules are. A tenant's rows are written the first time the scheduler (or a `PUT`) meets it.
 * - `operation_runs (tenant_id, type, id DESC)`: the newest run of each type of a page of tenants
 *   in one statement, one short index read per tenant and type.
 */
export class TenantOnboarding1796054400000 implements MigrationInterface {
  name = 'TenantOnboarding1796054400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE tenants
        ADD COLUMN connection_status text NOT NULL DEFAULT 'unverified'
          CHECK (connection_status IN ('unverified', 'verified', 'failed')),
        ADD COLUMN connection_checked_at timestamptz,
        ADD COLUMN connection_run_id uuid REFERENCES operation_runs (id) ON DELETE SET NULL,
        ADD COLUMN connection_missing_permissions text[] NOT NULL DEFAULT '{}',
        ADD COLUMN credentials_changed_at timestamptz NOT NULL DEFAULT now()
    `);
    await db.query(`
      CREATE INDEX tenants_connection_run_idx ON tenants (connection_run_id)
        WHERE connection_run_id IS NOT NULL
    `);
    await db.query(`
      CREATE INDEX operation_runs_tenant_type_idx ON operation_runs (tenant_id, type, id DESC)
        WHERE tenant_id IS NOT NULL
    `);
    await db.query(`
      CREATE TABLE sync_plan_entries (
        tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        kind         text NOT NULL CHECK (kind IN ('inventory', 'directoryGroups', 'roleDefinitions')),
        workspace_id uuid NOT NULL,
        enabled      boolean NOT NULL,
        cron         text NOT NULL,
        timezone     text NOT NULL,
        next_fire_at timestamptz,
        updated_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, kind)
      )
    `);
    await db.query(`
      CREATE INDEX sync_plan_entries_due_idx ON sync_plan_entries (next_fire_at)
        WHERE next_fire_at IS NOT NULL
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE sync_plan_entries`);
    await db.query(`DROP INDEX operation_runs_tenant_type_idx`);
    await db.query(`
      ALTER TABLE tenants
        DROP COLUMN connection_status, DROP COLUMN connection_checked_at,
        DROP COLUMN connection_run_id, DROP COLUMN connection_missing_permissions,
        DROP COLUMN credentials_changed_at
    `);
  }
}
