import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlConditions } from '#libs/common/db';
import { prefixPattern } from '#libs/common/pagination';
import type { NormalizedValue } from '#libs/policies';
import type { PolicyType } from '#libs/policies';

/** One policy as an inventory sync listed it. */
export interface ListedPolicy {
  id: string;
  policyType: PolicyType;
  graphId: string;
  displayName: string;
  platform: string | null;
  lastModifiedAt: string | null;
  contentHash: string;
  content: NormalizedValue;
}

export interface InventoryItem {
  id: string;
  tenantId: string;
  policyType: PolicyType;
  graphId: string;
  displayName: string;
  platform: string | null;
  lastModifiedAt: Date | null;
  contentHash: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
  lastSeenOperationRunId: string | null;
  deletedAt: Date | null;
}

export interface ItemFilter {
  policyType?: PolicyType;
  platform?: string;
  /** Name prefix, case-insensitive. */
  search?: string;
  /** `false` (default): live items only; `true`: deleted only; `undefined`… see service. */
  deleted?: boolean;
  /** Keyset: items after this (lower(display_name), id). */
  after?: [string, string];
  limit: number;
}

/** A live item as a restore matches it: by type and Graph id, or by type and name. */
export interface LiveItem {
  policyType: PolicyType;
  graphId: string;
  displayName: string;
  /** Its `@odata.type` as listed (one collection holds several kinds of policy). */
  odataType: string | null;
}

/** What one sync saw of one policy, with its normalised listed content. */
export interface SnapshotEntry {
  policyType: PolicyType;
  graphId: string;
  displayName: string;
  contentHash: string;
  content: NormalizedValue;
}

const ITEM_COLUMNS = `
  id, tenant_id AS "tenantId", policy_type AS "policyType", graph_id AS "graphId",
  display_name AS "displayName", platform, last_modified_at AS "lastModifiedAt",
  content_hash AS "contentHash", first_seen_at AS "firstSeenAt", last_seen_at AS "lastSeenAt",
  last_seen_operation_run_id AS "lastSeenOperationRunId", deleted_at AS "deletedAt"`;

/**
 * Upserts one page of listed policies in one statement: their content (once per hash), this
 * run's snapshot rows, and the items — stamped with the run, undeleted — counting what was new
 * and what changed against the items as they were before the statement.
 */
const UPSERT_LISTED = `
  WITH input AS (
    SELECT * FROM jsonb_to_recordset($3::jsonb) AS t(
      id uuid, "policyType" text, "graphId" text, "displayName" text, platform text,
      "lastModifiedAt" timestamptz, "contentHash" text, content jsonb)
  ), contents AS (
    INSERT INTO inventory_contents (content_hash, content)
    SELECT DISTINCT ON ("contentHash") "contentHash", content FROM input
    ON CONFLICT DO NOTHING
  ), snapshot AS (
    INSERT INTO inventory_snapshots (operation_run_id, policy_type, graph_id, display_name, content_hash)
    SELECT $2, "policyType", "graphId", "displayName", "contentHash" FROM input
    ON CONFLICT (operation_run_id, policy_type, graph_id)
      DO UPDATE SET display_name = EXCLUDED.display_name, content_hash = EXCLUDED.content_hash
  ), existing AS (
    SELECT i.policy_type, i.graph_id, i.display_name, i.content_hash, i.deleted_at
      FROM inventory_items i JOIN input n ON n."policyType" = i.policy_type AND n."graphId" = i.graph_id
     WHERE i.tenant_id = $1
  ), upserted AS (
    INSERT INTO inventory_items (id, tenant_id, policy_type, graph_id, display_name, platform,
                                 last_modified_at, content_hash, last_seen_operation_run_id)
    SELECT id, $1, "policyType", "graphId", "displayName", platform, "lastModifiedAt", "contentHash", $2
      FROM input
    ON CONFLICT (tenant_id, policy_type, graph_id) DO UPDATE SET
      display_name = EXCLUDED.display_name, platform = EXCLUDED.platform,
      last_modified_at = EXCLUDED.last_modified_at, content_hash = EXCLUDED.content_hash,
      last_seen_at = now(), last_seen_operation_run_id = EXCLUDED.last_seen_operation_run_id,
      deleted_at = NULL
  )
  SELECT count(*) FILTER (WHERE e.graph_id IS NULL)::int AS created,
         count(*) FILTER (WHERE e.graph_id IS NOT NULL AND (e.deleted_at IS NOT NULL
           OR e.content_hash <> n."contentHash" OR e.display_name <> n."displayName"))::int AS updated
    FROM input n LEFT JOIN existing e ON e.policy_type = n."policyType" AND e.graph_id = n."graphId"`;

@Injectable()
export class InventoryRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async upsertListed(
    tenantId: string,
    runId: string,
    policies: ListedPolicy[],
  ): Promise<{ created: number; updated: number }> {
    if (!policies.length) return { created: 0, updated: 0 };
    const [row] = await this.db.query(UPSERT_LISTED, [tenantId, runId, JSON.stringify(policies)]);
    return row;
  }

  /** Marks live items of these types that no sync has seen since `since` as deleted. */
  async markUnseenDeleted(tenantId: string, types: PolicyType[], since: Date): Promise<number> {
    const [, count] = await this.db.query(
      `UPDATE inventory_items SET deleted_at = now()
        WHERE tenant_id = $1 AND policy_type = ANY($2) AND deleted_at IS NULL AND last_seen_at < $3`,
      [tenantId, types, since],
    );
    return count;
  }

  async listItems(tenantId: string, filter: ItemFilter): Promise<InventoryItem[]> {
    const q = new SqlConditions();
    q.and(`tenant_id = ${q.param(tenantId)}`);
    if (filter.policyType) q.and(`policy_type = ${q.param(filter.policyType)}`);
    if (filter.platform) q.and(`platform = ${q.param(filter.platform)}`);
    if (filter.search) {
      q.and(`lower(display_name) COLLATE "C" LIKE ${q.param(prefixPattern(filter.search))}`);
    }
    if (filter.deleted !== undefined) {
      q.and(filter.deleted ? 'deleted_at IS NOT NULL' : 'deleted_at IS NULL');
    }
    if (filter.after) {
      const [name, id] = filter.after;
      q.and(`(lower(display_name) COLLATE "C", id) > (${q.param(name)}, ${q.param(id)}::uuid)`);
    }
    return this.db.query(
      `SELECT ${ITEM_COLUMNS} FROM inventory_items WHERE ${q.where}
        ORDER BY lower(display_name) COLLATE "C", id LIMIT ${q.param(filter.limit)}`,
      q.params,
    );
  }

  async findItem(tenantId: string, id: string): Promise<InventoryItem | null> {
    const rows = await this.db.query(
      `SELECT ${ITEM_COLUMNS} FROM inventory_items WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }

  /** The live items of a tenant with these ids (all live items when `ids` is empty). */
  async findLiveRefs(
    tenantId: string,
    ids: readonly string[],
  ): Promise<{ id: string; policyType: PolicyType; graphId: string }[]> {
    return this.db.query(
      `SELECT id, policy_type AS "policyType", graph_id AS "graphId" FROM inventory_items
        WHERE tenant_id = $1 AND deleted_at IS NULL AND (cardinality($2::uuid[]) = 0 OR id = ANY($2))
        ORDER BY policy_type, graph_id`,
      [tenantId, ids],
    );
  }

  /** The live items of a tenant of these types: what a restore matches its policies against. */
  async findLiveOfTypes(tenantId: string, types: readonly PolicyType[]): Promise<LiveItem[]> {
    if (!types.length) return [];
    return this.db.query(
      `SELECT i.policy_type AS "policyType", i.graph_id AS "graphId",
              i.display_name AS "displayName", c.content ->> '@odata.type' AS "odataType"
         FROM inventory_items i LEFT JOIN inventory_contents c USING (content_hash)
        WHERE i.tenant_id = $1 AND i.policy_type = ANY($2) AND i.deleted_at IS NULL
        ORDER BY i.policy_type, i.graph_id`,
      [tenantId, types],
    );
  }

  /** Everything one inventory sync saw, with content; empty once the run is pruned. */
  async snapshotOf(runId: string): Promise<SnapshotEntry[]> {
    return this.db.query(
      `SELECT s.policy_type AS "policyType", s.graph_id AS "graphId",
              s.display_name AS "displayName", s.content_hash AS "contentHash", c.content
         FROM inventory_snapshots s JOIN inventory_contents c USING (content_hash)
        WHERE s.operation_run_id = $1`,
      [runId],
    );
  }
}
