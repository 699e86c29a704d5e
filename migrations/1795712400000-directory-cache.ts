import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The directory cache of each tenant: Entra groups (kept by delta query), Entra and Intune role
 * definitions. Search is by name prefix and lookup by Graph id, from PostgreSQL only; both are
 * index reads: `lower(display_name) text_pattern_ops` serves `LIKE 'prefix%'` whatever the
 * collation, and the trailing id makes the keyset order (name, id) an index order.
 */
export class DirectoryCache1795712400000 implements MigrationInterface {
  name = 'DirectoryCache1795712400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE directory_groups (
        tenant_id                   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        graph_id                    text NOT NULL,
        display_name                text NOT NULL,
        description                 text,
        mail                        text,
        mail_enabled                boolean,
        security_enabled            boolean,
        synced_at                   timestamptz NOT NULL DEFAULT now(),
        last_seen_operation_run_id  uuid REFERENCES operation_runs (id) ON DELETE SET NULL,
        PRIMARY KEY (tenant_id, graph_id)
      );
      CREATE INDEX directory_groups_name_idx
        ON directory_groups (tenant_id, lower(display_name) text_pattern_ops, graph_id);
      -- Pruning a run sets its references to NULL: an index read, not a scan of every group.
      CREATE INDEX directory_groups_run_idx ON directory_groups (last_seen_operation_run_id)
        WHERE last_seen_operation_run_id IS NOT NULL;

      -- Where the next delta round of a tenant's collection starts (Graph's opaque link).
      CREATE TABLE directory_delta_links (
        tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        resource    text NOT NULL,
        delta_link  text NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, resource)
      );

      CREATE TABLE directory_role_definitions (
        tenant_id                   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        graph_id                    text NOT NULL,
        source                      text NOT NULL CHECK (source IN ('entra', 'intune')),
        display_name                text NOT NULL,
        description                 text,
        is_built_in                 boolean,
        is_enabled                  boolean,
        template_id                 text,
        synced_at                   timestamptz NOT NULL DEFAULT now(),
        last_seen_operation_run_id  uuid REFERENCES operation_runs (id) ON DELETE SET NULL,
        PRIMARY KEY (tenant_id, graph_id)
      );
      CREATE INDEX directory_role_definitions_name_idx
        ON directory_role_definitions (tenant_id, lower(display_name) text_pattern_ops, graph_id);
      CREATE INDEX directory_role_definitions_run_idx ON directory_role_definitions (last_seen_operation_run_id)
        WHERE last_seen_operation_run_id IS NOT NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP TABLE directory_role_definitions;
      DROP TABLE directory_delta_links;
      DROP TABLE directory_groups;
    `);
  }
}
