import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { searchByNamePrefix, type NameSearch } from '#libs/common/db';

export const ROLE_SOURCES = ['entra', 'intune'] as const;
export type RoleSource = (typeof ROLE_SOURCES)[number];

export interface RoleDefinition {
  id: string;
  source: RoleSource;
  displayName: string;
  description: string | null;
  isBuiltIn: boolean | null;
  isEnabled: boolean | null;
  templateId: string | null;
  syncedAt: Date;
  lastSeenOperationRunId: string | null;
}

export type RoleDefinitionRow = Omit<RoleDefinition, 'syncedAt' | 'lastSeenOperationRunId'>;

const COLUMNS = `
  graph_id AS id, source, display_name AS "displayName", description, is_built_in AS "isBuiltIn",
  is_enabled AS "isEnabled", template_id AS "templateId", synced_at AS "syncedAt",
  last_seen_operation_run_id AS "lastSeenOperationRunId"`;

const UPSERT = `
  WITH input AS (
    SELECT * FROM jsonb_to_recordset($3::jsonb) AS t(
      id text, source text, "displayName" text, description text, "isBuiltIn" boolean,
      "isEnabled" boolean, "templateId" text)
  ), existing AS (
    SELECT r.* FROM directory_role_definitions r JOIN input n ON n.id = r.graph_id WHERE r.tenant_id = $1
  ), upserted AS (
    INSERT INTO directory_role_definitions (tenant_id, graph_id, source, display_name, description,
                                            is_built_in, is_enabled, template_id, last_seen_operation_run_id)
    SELECT $1, id, source, "displayName", description, "isBuiltIn", "isEnabled", "templateId", $2 FROM input
    ON CONFLICT (tenant_id, graph_id) DO UPDATE SET
      source = EXCLUDED.source, display_name = EXCLUDED.display_name, description = EXCLUDED.description,
      is_built_in = EXCLUDED.is_built_in, is_enabled = EXCLUDED.is_enabled,
      template_id = EXCLUDED.template_id, synced_at = now(),
      last_seen_operation_run_id = EXCLUDED.last_seen_operation_run_id
  )
  SELECT count(*) FILTER (WHERE e.graph_id IS NULL)::int AS created,
         count(*) FILTER (WHERE e.graph_id IS NOT NULL AND
           (e.display_name, e.description, e.is_built_in, e.is_enabled, e.template_id)
             IS DISTINCT FROM (n."displayName", n.description, n."isBuiltIn", n."isEnabled", n."templateId"))::int AS updated
    FROM input n LEFT JOIN existing e ON e.graph_id = n.id`;

@Injectable()
export class RoleDefinitionRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async upsert(
    tenantId: string,
    runId: string,
    roles: RoleDefinitionRow[],
  ): Promise<{ created: number; updated: number }> {
    if (!roles.length) return { created: 0, updated: 0 };
    const [row] = await this.db.query(UPSERT, [tenantId, runId, JSON.stringify(roles)]);
    return row;
  }

  /** After complete listings: the role definitions they did not list are gone. */
  async deleteNotSeenBy(tenantId: string, runId: string): Promise<number> {
    const [, count] = await this.db.query(
      `DELETE FROM directory_role_definitions
        WHERE tenant_id = $1 AND last_seen_operation_run_id IS DISTINCT FROM $2`,
      [tenantId, runId],
    );
    return count;
  }

  search(query: NameSearch): Promise<RoleDefinition[]> {
    return searchByNamePrefix(this.db, 'directory_role_definitions', COLUMNS, query);
  }

  async find(tenantId: string, id: string): Promise<RoleDefinition | null> {
    const rows = await this.db.query(
      `SELECT ${COLUMNS} FROM directory_role_definitions WHERE tenant_id = $1 AND graph_id = $2`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }
}
