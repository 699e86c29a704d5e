import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The inventory of each tenant's Intune policies (`inventory_sync`), what each sync saw (for
 * drift), and the immutable, content-hashed versions of full policy content (`policy_sync`).
 *
 * References to runs are `ON DELETE SET NULL` (SPEC §2.7): items, versions and contents outlive
 * the runs that wrote them. A sync's snapshot is the one exception — it *is* part of its run
 * (what that run saw), so it goes with it; drift then reports the run as gone.
 */
export class Inventory1795708800000 implements MigrationInterface {
  name = 'Inventory1795708800000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      -- Normalised listed content, stored once per distinct hash (a snapshot row is then 5 small
      -- columns, and 1,000 unchanged policies synced daily add no content at all).
      CREATE TABLE inventory_contents (
        content_hash text PRIMARY KEY,
        content      jsonb NOT NULL
      );

      CREATE TABLE inventory_items (
        id                          uuid PRIMARY KEY,
        tenant_id                   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        policy_type                 text NOT NULL,
        graph_id                    text NOT NULL,
        display_name                text NOT NULL,
        platform                    text,
        last_modified_at            timestamptz,
        content_hash                text NOT NULL,
        first_seen_at               timestamptz NOT NULL DEFAULT now(),
        last_seen_at                timestamptz NOT NULL DEFAULT now(),
        last_seen_operation_run_id  uuid REFERENCES operation_runs (id) ON DELETE SET NULL,
        deleted_at                  timestamptz,
        UNIQUE (tenant_id, policy_type, graph_id)
      );
      -- Lists: by name within a tenant (optionally one type), keyset on (lower(name), id); the
      -- same index answers name-prefix search.
      CREATE INDEX inventory_items_name_idx
        ON inventory_items (tenant_id, lower(display_name) text_pattern_ops, id);
      CREATE INDEX inventory_items_type_name_idx
        ON inventory_items (tenant_id, policy_type, lower(display_name) text_pattern_ops, id);
      CREATE INDEX inventory_items_run_idx ON inventory_items (last_seen_operation_run_id)
        WHERE last_seen_operation_run_id IS NOT NULL;

      -- What one inventory_sync run saw: the basis of drift between two syncs.
      CREATE TABLE inventory_snapshots (
        operation_run_id uuid NOT NULL REFERENCES operation_runs (id) ON DELETE CASCADE,
        policy_type      text NOT NULL,
        graph_id         text NOT NULL,
        display_name     text NOT NULL,
        content_hash     text NOT NULL,
        PRIMARY KEY (operation_run_id, policy_type, graph_id)
      );

      -- Full policy content and assignments, one immutable row per distinct content of a policy.
      CREATE TABLE policy_versions (
        id                uuid PRIMARY KEY,
        tenant_id         uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        inventory_item_id uuid REFERENCES inventory_items (id) ON DELETE SET NULL,
        policy_type       text NOT NULL,
        graph_id          text NOT NULL,
        version_number    integer NOT NULL CHECK (version_number > 0),
        display_name      text NOT NULL,
        content_hash      text NOT NULL,
        content           jsonb NOT NULL,
        assignments       jsonb NOT NULL,
        captured_at       timestamptz NOT NULL DEFAULT now(),
        operation_run_id  uuid REFERENCES operation_runs (id) ON DELETE SET NULL,
        UNIQUE (tenant_id, policy_type, graph_id, version_number)
      );
      -- Lists, newest first (ids are UUIDv7): per tenant, per item.
      CREATE INDEX policy_versions_tenant_idx ON policy_versions (tenant_id, id DESC);
      CREATE INDEX policy_versions_item_idx ON policy_versions (inventory_item_id, id DESC);
      CREATE INDEX policy_versions_run_idx ON policy_versions (operation_run_id)
        WHERE operation_run_id IS NOT NULL;
      -- Immutable: only the links (item, run) may change, as their targets are deleted.
      CREATE FUNCTION policy_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (OLD.policy_type, OLD.graph_id, OLD.version_number, OLD.content_hash, OLD.content, OLD.assignments)
           IS DISTINCT FROM (NEW.policy_type, NEW.graph_id, NEW.version_number, NEW.content_hash, NEW.content, NEW.assignments) THEN
          RAISE EXCEPTION 'policy versions are immutable';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER policy_versions_immutable BEFORE UPDATE ON policy_versions
        FOR EACH ROW EXECUTE FUNCTION policy_versions_immutable();
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP TABLE policy_versions;
      DROP FUNCTION policy_versions_immutable();
      DROP TABLE inventory_snapshots;
      DROP TABLE inventory_items;
      DROP TABLE inventory_contents;
    `);
  }
}
