import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isUuid } from '#libs/common/ids';
import type { Tx } from '#libs/common/db';

export type OverlapPolicy = 'skip' | 'allow';

export interface BackupSchedule {
  id: string;
  workspaceId: string;
  tenantId: string;
  name: string;
  enabled: boolean;
  cron: string;
  timezone: string;
  policyTypes: string[];
  keepLast: number;
  overlapPolicy: OverlapPolicy;
  /** Fires at or after this instant are still owed (null: disabled or deleted). */
  nextFireAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

export type BackupScheduleFields = Pick<
  BackupSchedule,
  | 'name'
  | 'enabled'
  | 'cron'
  | 'timezone'
  | 'policyTypes'
  | 'keepLast'
  | 'overlapPolicy'
  | 'nextFireAt'
>;

/** A schedule the tick found due, locked for this tick until its transaction ends. */
export interface DueSchedule {
  id: string;
  workspaceId: string;
  tenantId: string;
  cron: string;
  timezone: string;
  nextFireAt: Date;
  tenantLive: boolean;
}

const COLUMNS = `
  id, workspace_id AS "workspaceId", tenant_id AS "tenantId", name, enabled, cron, timezone,
  policy_types AS "policyTypes", keep_last AS "keepLast", overlap_policy AS "overlapPolicy",
  next_fire_at AS "nextFireAt", created_at AS "createdAt", updated_at AS "updatedAt",
  deleted_at AS "deletedAt"`;

@Injectable()
export class BackupScheduleRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insert(
    schedule: BackupScheduleFields & { id: string; workspaceId: string; tenantId: string },
    tx: Tx,
  ): Promise<BackupSchedule> {
    const rows: BackupSchedule[] = await tx.manager.query(
      `INSERT INTO backup_schedules (id, workspace_id, tenant_id, name, enabled, cron, timezone,
                                     policy_types, keep_last, overlap_policy, next_fire_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${COLUMNS}`,
      [
        schedule.id,
        schedule.workspaceId,
        schedule.tenantId,
        schedule.name,
        schedule.enabled,
        schedule.cron,
        schedule.timezone,
        schedule.policyTypes,
        schedule.keepLast,
        schedule.overlapPolicy,
        schedule.nextFireAt,
      ],
    );
    return rows[0]!;
  }

  /** A schedule that has not been deleted, locked for update when read inside a transaction. */
  async findLive(id: string, tx?: Tx): Promise<BackupSchedule | null> {
    if (!isUuid(id)) return null;
    const rows: BackupSchedule[] = await (tx?.manager ?? this.db).query(
      `SELECT ${COLUMNS} FROM backup_schedules WHERE id = $1 AND deleted_at IS NULL
       ${tx ? 'FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** Deleted schedules included: what a run finds at execution. */
  async findAny(id: string): Promise<BackupSchedule | null> {
    const rows: BackupSchedule[] = await this.db.query(
      `SELECT ${COLUMNS} FROM backup_schedules WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  listLiveByTenant(tenantId: string): Promise<BackupSchedule[]> {
    return this.db.query(
      `SELECT ${COLUMNS} FROM backup_schedules WHERE tenant_id = $1 AND deleted_at IS NULL
        ORDER BY created_at, id`,
      [tenantId],
    );
  }

  async update(id: string, fields: BackupScheduleFields, tx: Tx): Promise<BackupSchedule> {
    const rows: [BackupSchedule[], number] = await tx.manager.query(
      `UPDATE backup_schedules
          SET name = $2, enabled = $3, cron = $4, timezone = $5, policy_types = $6,
              keep_last = $7, overlap_policy = $8, next_fire_at = $9, updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [
        id,
        fields.name,
        fields.enabled,
        fields.cron,
        fields.timezone,
        fields.policyTypes,
        fields.keepLast,
        fields.overlapPolicy,
        fields.nextFireAt,
      ],
    );
    return rows[0][0]!;
  }

  async softDelete(id: string, tx: Tx): Promise<void> {
    await tx.manager.query(
      `UPDATE backup_schedules SET deleted_at = now(), next_fire_at = NULL, updated_at = now()
        WHERE id = $1`,
      [id],
    );
  }

  /**
   * Up to `limit` schedules with a fire owed at `now`, oldest owed first, locked for the caller's
   * transaction. Rows another scheduler holds are skipped (it is firing them), so schedulers
   * working side by side share the due schedules instead of queueing behind each other.
   */
  claimDue(now: Date, limit: number, tx: Tx): Promise<DueSchedule[]> {
    return tx.manager.query(
      `SELECT s.id, s.workspace_id AS "workspaceId", s.tenant_id AS "tenantId", s.cron, s.timezone,
              s.next_fire_at AS "nextFireAt", t.deleted_at IS NULL AS "tenantLive"
         FROM backup_schedules s JOIN tenants t ON t.id = s.tenant_id
        WHERE s.next_fire_at <= $1
        ORDER BY s.next_fire_at
        LIMIT $2
        FOR NO KEY UPDATE OF s SKIP LOCKED`,
      [now, limit],
    );
  }

  /** Moves each schedule's owed fires on (null: it will not fire again), in one statement. */
  async advance(next: { id: string; nextFireAt: Date | null }[], tx: Tx): Promise<void> {
    if (!next.length) return;
    await tx.manager.query(
      `UPDATE backup_schedules s SET next_fire_at = v.next_fire_at
         FROM unnest($1::uuid[], $2::timestamptz[]) AS v(id, next_fire_at)
        WHERE s.id = v.id`,
      [next.map((n) => n.id), next.map((n) => n.nextFireAt)],
    );
  }
}
