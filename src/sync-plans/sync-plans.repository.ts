import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Tx } from '#libs/common/db';
import type { SyncKind } from './sync-plan.js';

/** One sync of a tenant's plan, as stored. */
export interface SyncPlanEntry {
  tenantId: string;
  workspaceId: string;
  kind: SyncKind;
  enabled: boolean;
  cron: string;
  timezone: string;
  /** Fires at or after this instant are still owed (null: disabled). */
  nextFireAt: Date | null;
  updatedAt: Date;
}

/** An entry the tick found due, locked for this tick until its transaction ends. */
export interface DueEntry {
  tenantId: string;
  workspaceId: string;
  kind: SyncKind;
  cron: string;
  timezone: string;
  nextFireAt: Date;
  tenantLive: boolean;
  connectionFailed: boolean;
}

const COLUMNS = `
  tenant_id AS "tenantId", workspace_id AS "workspaceId", kind, enabled, cron, timezone,
  next_fire_at AS "nextFireAt", updated_at AS "updatedAt"`;

@Injectable()
export class SyncPlanRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  listByTenant(tenantId: string): Promise<SyncPlanEntry[]> {
    return this.db.query(
      `SELECT ${COLUMNS} FROM sync_plan_entries WHERE tenant_id = $1 ORDER BY kind`,
      [tenantId],
    );
  }

  /** The tenant's entries, locked for the caller's transaction (a plan changed one at a time). */
  lockByTenant(tenantId: string, tx: Tx): Promise<SyncPlanEntry[]> {
    return tx.manager.query(
      `SELECT ${COLUMNS} FROM sync_plan_entries WHERE tenant_id = $1 ORDER BY kind FOR UPDATE`,
      [tenantId],
    );
  }

  /** Writes the entries (a whole plan), replacing the ones stored. */
  async upsert(entries: Omit<SyncPlanEntry, 'updatedAt'>[], tx: Tx): Promise<SyncPlanEntry[]> {
    const rows: SyncPlanEntry[] = await tx.manager.query(
      `INSERT INTO sync_plan_entries AS e
              (tenant_id, workspace_id, kind, enabled, cron, timezone, next_fire_at)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::boolean[], $5::text[],
                            $6::text[], $7::timestamptz[])
       ON CONFLICT (tenant_id, kind) DO UPDATE
          SET enabled = excluded.enabled, cron = excluded.cron, timezone = excluded.timezone,
              next_fire_at = excluded.next_fire_at, updated_at = now()
       RETURNING ${COLUMNS}`,
      columns(entries),
    );
    return rows;
  }

  /**
   * Writes the entries of tenants that had none (a default plan), leaving any written meanwhile
   * by another scheduler or a `PUT` as they are.
   */
  async insertMissing(entries: Omit<SyncPlanEntry, 'updatedAt'>[]): Promise<void> {
    if (!entries.length) return;
    await this.db.query(
      `INSERT INTO sync_plan_entries
              (tenant_id, workspace_id, kind, enabled, cron, timezone, next_fire_at)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::boolean[], $5::text[],
                            $6::text[], $7::timestamptz[])
       ON CONFLICT (tenant_id, kind) DO NOTHING`,
      columns(entries),
    );
  }

  /** Up to `limit` live tenants that have no plan stored yet, with when each was created. */
  tenantsWithoutPlan(
    limit: number,
  ): Promise<{ id: string; workspaceId: string; createdAt: Date }[]> {
    return this.db.query(
      `SELECT t.id, t.workspace_id AS "workspaceId", t.created_at AS "createdAt" FROM tenants t
        WHERE t.deleted_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM sync_plan_entries e WHERE e.tenant_id = t.id)
        ORDER BY t.id LIMIT $1`,
      [limit],
    );
  }

  /**
   * Up to `limit` entries with a fire owed at `now`, oldest owed first, locked for the caller's
   * transaction; rows another scheduler holds are skipped (it is firing them).
   */
  claimDue(now: Date, limit: number, tx: Tx): Promise<DueEntry[]> {
    return tx.manager.query(
      `SELECT e.tenant_id AS "tenantId", e.workspace_id AS "workspaceId", e.kind, e.cron,
              e.timezone, e.next_fire_at AS "nextFireAt", t.deleted_at IS NULL AS "tenantLive",
              t.connection_status = 'failed' AS "connectionFailed"
         FROM sync_plan_entries e JOIN tenants t ON t.id = e.tenant_id
        WHERE e.next_fire_at <= $1
        ORDER BY e.next_fire_at
        LIMIT $2
        FOR NO KEY UPDATE OF e SKIP LOCKED`,
      [now, limit],
    );
  }

  /** Moves each entry's owed fires on (null: it will not fire again), in one statement. */
  async advance(
    next: { tenantId: string; kind: SyncKind; nextFireAt: Date | null }[],
    tx: Tx,
  ): Promise<void> {
    if (!next.length) return;
    await tx.manager.query(
      `UPDATE sync_plan_entries e SET next_fire_at = v.next_fire_at
         FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS v(tenant_id, kind, next_fire_at)
        WHERE e.tenant_id = v.tenant_id AND e.kind = v.kind`,
      [next.map((n) => n.tenantId), next.map((n) => n.kind), next.map((n) => n.nextFireAt)],
    );
  }
}

function columns(entries: Omit<SyncPlanEntry, 'updatedAt'>[]): unknown[] {
  return [
    entries.map((e) => e.tenantId),
    entries.map((e) => e.workspaceId),
    entries.map((e) => e.kind),
    entries.map((e) => e.enabled),
    entries.map((e) => e.cron),
    entries.map((e) => e.timezone),
    entries.map((e) => e.nextFireAt),
  ];
}
