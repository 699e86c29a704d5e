import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Name indexes that give the list order as well as the prefix match. A `text_pattern_ops` index
 * serves `LIKE 'prefix%'` but not `ORDER BY lower(name)` (another operator family), so a broad
 * prefix ("Group 1" on 50,000 groups: 11,000 rows) was read whole and sorted. Under the "C"
 * collation one plain b-tree serves both: the prefix is a range of it, in list order, and the
 * page stops after `limit` rows. Queries sort and match `lower(display_name) COLLATE "C"`.
 */
export class NameOrderIndexes1795719600000 implements MigrationInterface {
  name = 'NameOrderIndexes1795719600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX directory_groups_name_idx;
      CREATE INDEX directory_groups_name_idx
        ON directory_groups (tenant_id, (lower(display_name) COLLATE "C"), graph_id);
      DROP INDEX directory_role_definitions_name_idx;
      CREATE INDEX directory_role_definitions_name_idx
        ON directory_role_definitions (tenant_id, (lower(display_name) COLLATE "C"), graph_id);
      DROP INDEX inventory_items_name_idx;
      CREATE INDEX inventory_items_name_idx
        ON inventory_items (tenant_id, (lower(display_name) COLLATE "C"), id);
      DROP INDEX inventory_items_type_name_idx;
      CREATE INDEX inventory_items_type_name_idx
        ON inventory_items (tenant_id, policy_type, (lower(display_name) COLLATE "C"), id);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX directory_groups_name_idx;
      CREATE INDEX directory_groups_name_idx
        ON directory_groups (tenant_id, lower(display_name) text_pattern_ops, graph_id);
      DROP INDEX directory_role_definitions_name_idx;
      CREATE INDEX directory_role_definitions_name_idx
        ON directory_role_definitions (tenant_id, lower(display_name) text_pattern_ops, graph_id);
      DROP INDEX inventory_items_name_idx;
      CREATE INDEX inventory_items_name_idx
        ON inventory_items (tenant_id, lower(display_name) text_pattern_ops, id);
      DROP INDEX inventory_items_type_name_idx;
      CREATE INDEX inventory_items_type_name_idx
        ON inventory_items (tenant_id, policy_type, lower(display_name) text_pattern_ops, id);
    `);
  }
}
