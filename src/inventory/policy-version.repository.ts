import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlConditions } from '#libs/common/db';
import type { CapturedPolicy, PolicyRef, PolicyType } from '#libs/policies';

export interface PolicyVersionSummary {
  id: string;
  inventoryItemId: string | null;
  policyType: PolicyType;
  graphId: string;
  versionNumber: number;
  displayName: string;
  contentHash: string;
  capturedAt: Date;
  operationRunId: string | null;
}

export interface PolicyVersion extends PolicyVersionSummary {
  content: Record<string, unknown>;
  assignments: unknown[];
}

/** The newest captured content of a policy, as a restore compares it. */
export interface LatestVersion extends PolicyRef {
  contentHash: string;
  assignments: unknown[];
}

export interface VersionFilter {
  inventoryItemId?: string;
  policyType?: PolicyType;
  /** Keyset: versions with an id below this one (newest first). */
  before?: string;
  limit: number;
}

const SUMMARY_COLUMNS = `
  id, inventory_item_id AS "inventoryItemId", policy_type AS "policyType", graph_id AS "graphId",
  version_number AS "versionNumber", display_name AS "displayName", content_hash AS "contentHash",
  captured_at AS "capturedAt", operation_run_id AS "operationRunId"`;

/**
 * Adds a version for each captured policy whose content differs from its latest version, in one
 * statement. Version numbers follow the latest; a concurrent capture of the same policy that won
 * the number makes this one a no-op (the unique key), never a duplicate.
 */
const INSERT_CHANGED = `
  WITH input AS (
    SELECT * FROM jsonb_to_recordset($3::jsonb) AS t(
      id uuid, "policyType" text, "graphId" text, "displayName" text, "contentHash" text,
      content jsonb, assignments jsonb)
  )
  INSERT INTO policy_versions (id, tenant_id, inventory_item_id, policy_type, graph_id, version_number,
                               display_name, content_hash, content, assignments, operation_run_id)
  SELECT n.id, $1, item.id, n."policyType", n."graphId", coalesce(latest.version_number, 0) + 1,
         n."displayName", n."contentHash", n.content, n.assignments, $2
    FROM input n
    LEFT JOIN LATERAL (
      SELECT version_number, content_hash FROM policy_versions v
       WHERE v.tenant_id = $1 AND v.policy_type = n."policyType" AND v.graph_id = n."graphId"
       ORDER BY version_number DESC LIMIT 1
    ) latest ON true
    LEFT JOIN inventory_items item
      ON item.tenant_id = $1 AND item.policy_type = n."policyType" AND item.graph_id = n."graphId"
   WHERE latest.content_hash IS DISTINCT FROM n."contentHash"
  ON CONFLICT DO NOTHING
  RETURNING id`;

@Injectable()
export class PolicyVersionRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Stores the policies that changed; returns how many new versions were written. */
  async insertChanged(
    tenantId: string,
    runId: string,
    policies: (CapturedPolicy & { id: string })[],
  ): Promise<number> {
    if (!policies.length) return 0;
    const rows = await this.db.query(INSERT_CHANGED, [tenantId, runId, JSON.stringify(policies)]);
    return rows.length;
  }

  /** The latest version of each of these policies that has one (its hash and assignments). */
  latestOf(tenantId: string, refs: readonly PolicyRef[]): Promise<LatestVersion[]> {
    if (!refs.length) return Promise.resolve([]);
    return this.db.query(
      `SELECT DISTINCT ON (v.policy_type, v.graph_id)
              v.policy_type AS "policyType", v.graph_id AS "graphId",
              v.content_hash AS "contentHash", v.assignments
         FROM policy_versions v
         JOIN unnest($2::text[], $3::text[]) AS r(policy_type, graph_id)
           ON v.policy_type = r.policy_type AND v.graph_id = r.graph_id
        WHERE v.tenant_id = $1
        ORDER BY v.policy_type, v.graph_id, v.version_number DESC`,
      [tenantId, refs.map((ref) => ref.policyType), refs.map((ref) => ref.graphId)],
    );
  }

  async list(tenantId: string, filter: VersionFilter): Promise<PolicyVersionSummary[]> {
    const q = new SqlConditions();
    q.and(`tenant_id = ${q.param(tenantId)}`);
    if (filter.inventoryItemId) q.and(`inventory_item_id = ${q.param(filter.inventoryItemId)}`);
    if (filter.policyType) q.and(`policy_type = ${q.param(filter.policyType)}`);
    if (filter.before) q.and(`id < ${q.param(filter.before)}`);
    return this.db.query(
      `SELECT ${SUMMARY_COLUMNS} FROM policy_versions WHERE ${q.where}
        ORDER BY id DESC LIMIT ${q.param(filter.limit)}`,
      q.params,
    );
  }

  async find(tenantId: string, id: string): Promise<PolicyVersion | null> {
    const rows = await this.db.query(
      `SELECT ${SUMMARY_COLUMNS}, content, assignments FROM policy_versions
        WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }
}
