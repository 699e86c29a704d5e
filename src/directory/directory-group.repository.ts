import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { searchByNamePrefix, type NameSearch } from '#libs/common/db';

export interface DirectoryGroup {
  id: string;
  displayName: string;
  description: string | null;
  mail: string | null;
  mailEnabled: boolean | null;
  securityEnabled: boolean | null;
  syncedAt: Date;
  lastSeenOperationRunId: string | null;
}

/** A group as another family needs it: its id and name. */
export type GroupName = Pick<DirectoryGroup, 'id' | 'displayName'>;

export type GroupRow = Omit<DirectoryGroup, 'syncedAt' | 'lastSeenOperationRunId'>;

const COLUMNS = `
  graph_id AS id, display_name AS "displayName", description, mail,
  mail_enabled AS "mailEnabled", security_enabled AS "securityEnabled",
  synced_at AS "syncedAt", last_seen_operation_run_id AS "lastSeenOperationRunId"`;

/** Upserts a batch of groups in one statement, counting new and changed ones. */
const UPSERT = `
  WITH input AS (
    SELECT * FROM jsonb_to_recordset($3::jsonb) AS t(
      id text, "displayName" text, description text, mail text,
      "mailEnabled" boolean, "securityEnabled" boolean)
  ), existing AS (
    SELECT g.* FROM directory_groups g JOIN input n ON n.id = g.graph_id WHERE g.tenant_id = $1
  ), upserted AS (
    INSERT INTO directory_groups (tenant_id, graph_id, display_name, description, mail, mail_enabled,
                                  security_enabled, last_seen_operation_run_id)
    SELECT $1, id, "displayName", description, mail, "mailEnabled", "securityEnabled", $2 FROM input
    ON CONFLICT (tenant_id, graph_id) DO UPDATE SET
      display_name = EXCLUDED.display_name, description = EXCLUDED.description, mail = EXCLUDED.mail,
      mail_enabled = EXCLUDED.mail_enabled, security_enabled = EXCLUDED.security_enabled,
      synced_at = now(), last_seen_operation_run_id = EXCLUDED.last_seen_operation_run_id
  )
  SELECT count(*) FILTER (WHERE e.graph_id IS NULL)::int AS created,
         count(*) FILTER (WHERE e.graph_id IS NOT NULL AND
           (e.display_name, e.description, e.mail, e.mail_enabled, e.security_enabled)
             IS DISTINCT FROM (n."displayName", n.description, n.mail, n."mailEnabled", n."securityEnabled"))::int AS updated
    FROM input n LEFT JOIN existing e ON e.graph_id = n.id`;

@Injectable()
export class DirectoryGroupRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async upsert(
    tenantId: string,
    runId: string,
    groups: GroupRow[],
  ): Promise<{ created: number; updated: number }> {
    if (!groups.length) return { created: 0, updated: 0 };
    const [row] = await this.db.query(UPSERT, [tenantId, runId, JSON.stringify(groups)]);
    return row;
  }

  async deleteIds(tenantId: string, ids: string[]): Promise<number> {
    if (!ids.length) return 0;
    const [, count] = await this.db.query(
      'DELETE FROM directory_groups WHERE tenant_id = $1 AND graph_id = ANY($2)',
      [tenantId, ids],
    );
    return count;
  }

  /** After a full round: the groups it did not list are gone. */
  async deleteNotSeenBy(tenantId: string, runId: string): Promise<number> {
    const [, count] = await this.db.query(
      `DELETE FROM directory_groups
        WHERE tenant_id = $1 AND last_seen_operation_run_id IS DISTINCT FROM $2`,
      [tenantId, runId],
    );
    return count;
  }

  search(query: NameSearch): Promise<DirectoryGroup[]> {
    return searchByNamePrefix(this.db, 'directory_groups', COLUMNS, query);
  }

  async find(tenantId: string, id: string): Promise<DirectoryGroup | null> {
    const rows = await this.db.query(
      `SELECT ${COLUMNS} FROM directory_groups WHERE tenant_id = $1 AND graph_id = $2`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }

  /** The cached groups of the tenant among these ids. */
  findByIds(tenantId: string, ids: readonly string[]): Promise<GroupName[]> {
    if (!ids.length) return Promise.resolve([]);
    return this.db.query(
      `SELECT graph_id AS id, display_name AS "displayName" FROM directory_groups
        WHERE tenant_id = $1 AND graph_id = ANY($2)`,
      [tenantId, ids],
    );
  }

  /** The cached groups of the tenant named any of these names (case-insensitive). */
  findByDisplayNames(tenantId: string, names: readonly string[]): Promise<GroupName[]> {
    if (!names.length) return Promise.resolve([]);
    return this.db.query(
      `SELECT graph_id AS id, display_name AS "displayName" FROM directory_groups
        WHERE tenant_id = $1 AND lower(display_name) = ANY($2::text[])
        ORDER BY graph_id`,
      [tenantId, names.map((name) => name.toLowerCase())],
    );
  }

  async deltaLink(tenantId: string, resource: string): Promise<string | null> {
    const rows = await this.db.query(
      'SELECT delta_link AS "deltaLink" FROM directory_delta_links WHERE tenant_id = $1 AND resource = $2',
      [tenantId, resource],
    );
    return rows[0]?.deltaLink ?? null;
  }

  async saveDeltaLink(tenantId: string, resource: string, link: string): Promise<void> {
    await this.db.query(
      `INSERT INTO directory_delta_links (tenant_id, resource, delta_link) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, resource) DO UPDATE SET delta_link = EXCLUDED.delta_link, updated_at = now()`,
      [tenantId, resource, link],
    );
  }
}
