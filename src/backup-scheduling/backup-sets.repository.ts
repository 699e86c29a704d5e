import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isUuid } from '#libs/common/ids';
import { TransactionRunner, type Tx } from '#libs/common/db';
import type { Json } from '#libs/operation-runs';
import type { CapturedPolicy } from '#libs/policies';

export interface BackupSet {
  id: string;
  workspaceId: string;
  tenantId: string;
  scheduleId: string | null;
  /** The run that made the set; null once that run is pruned. */
  operationRunId: string | null;
  name: string;
  itemCount: number;
  createdAt: Date;
}

export interface BackupSetItem {
  policyType: string;
  policyId: string;
  displayName: string | null;
  content: Json;
  assignments: Json;
  contentHash: string;
  capturedAt: Date;
}

const COLUMNS = `
  id, workspace_id AS "workspaceId", tenant_id AS "tenantId", schedule_id AS "scheduleId",
  operation_run_id AS "operationRunId", name, item_count AS "itemCount", created_at AS "createdAt"`;

const INSERT_ITEMS = `
  INSERT INTO backup_set_items (backup_set_id, policy_type, policy_id, display_name, content,
                                assignments, content_hash)
  SELECT $1, i."policyType", i."graphId", i."displayName", i.content, i.assignments, i."contentHash"
    FROM jsonb_to_recordset($2::jsonb) AS i("policyType" text, "graphId" text,
         "displayName" text, content jsonb, assignments jsonb, "contentHash" text)
  ON CONFLICT DO NOTHING`;

/** A capturing set (`s`) whose run is over or gone: nothing will seal it. */
const ABANDONED = `NOT EXISTS (
  SELECT 1 FROM operation_runs r WHERE r.id = s.operation_run_id AND r.status <> 'completed')`;

/**
 * A captured policy, or the JSON text of one: a capture keeps the items of its current batch as
 * text until they are written (a few times smaller than the objects, and nothing to serialise again).
 */
export type CapturedItem = CapturedPolicy | string;

const jsonArray = (items: readonly CapturedItem[]) =>
  `[${items.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(',')}]`;

@Injectable()
export class BackupSetRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly transactions: TransactionRunner,
  ) {}

  /** A set and its items, written together (in `tx`, or a transaction of their own). */
  create(
    set: Omit<BackupSet, 'createdAt' | 'itemCount'>,
    items: readonly CapturedItem[],
    within?: Tx,
  ): Promise<BackupSet> {
    const write = async (tx: Tx) => {
      const rows: BackupSet[] = await tx.manager.query(
        `INSERT INTO backup_sets (id, workspace_id, tenant_id, schedule_id, operation_run_id, name, item_count)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
        [
          set.id,
          set.workspaceId,
          set.tenantId,
          set.scheduleId,
          set.operationRunId,
          set.name,
          items.length,
        ],
      );
      if (items.length) await tx.manager.query(INSERT_ITEMS, [set.id, jsonArray(items)]);
      return rows[0]!;
    };
    return within ? write(within) : this.transactions.run(write);
  }

  /**
   * A set its run fills as it captures (`capturing`): nothing reads it until
   * {@link sealCapture}, and a run that ends otherwise drops it ({@link discardCaptures}).
   */
  async openCapture(set: Omit<BackupSet, 'createdAt' | 'itemCount'>): Promise<void> {
    await this.db.query(
      `INSERT INTO backup_sets (id, workspace_id, tenant_id, schedule_id, operation_run_id, name, capturing)
       VALUES ($1, $2, $3, $4, $5, $6, true)`,
      [set.id, set.workspaceId, set.tenantId, set.scheduleId, set.operationRunId, set.name],
    );
  }

  /** Writes a batch of a capturing set's items, in one statement. */
  async appendCaptured(setId: string, items: readonly CapturedItem[]): Promise<void> {
    if (items.length) await this.db.query(INSERT_ITEMS, [setId, jsonArray(items)]);
  }

  /** The capture is whole: the set, with its item count, is visible from now on. */
  async sealCapture(setId: string): Promise<BackupSet> {
    const [rows]: [BackupSet[], number] = await this.db.query(
      `UPDATE backup_sets s
          SET capturing = false,
              item_count = (SELECT count(*) FROM backup_set_items i WHERE i.backup_set_id = s.id)
        WHERE id = $1 AND capturing
        RETURNING ${COLUMNS}`,
      [setId],
    );
    if (!rows[0]) throw new Error(`Backup set ${setId} is not capturing.`);
    return rows[0];
  }

  /** Drops the sets a run was still capturing (its items with them): the run will not seal them. */
  async discardCaptures(operationRunId: string): Promise<void> {
    await this.db.query(`DELETE FROM backup_sets WHERE operation_run_id = $1 AND capturing`, [
      operationRunId,
    ]);
  }

  /** Adds items the set does not hold yet (an item, once captured, never changes). */
  addItems(setId: string, items: readonly CapturedItem[]): Promise<number> {
    return this.transactions.run(async (tx) => {
      // The set's row lock orders concurrent additions, so the count stays exact.
      await tx.manager.query(`SELECT 1 FROM backup_sets WHERE id = $1 FOR UPDATE`, [setId]);
      const before = await this.countItems(setId, tx.manager);
      if (items.length) await tx.manager.query(INSERT_ITEMS, [setId, jsonArray(items)]);
      const after = await this.countItems(setId, tx.manager);
      await tx.manager.query(`UPDATE backup_sets SET item_count = $2 WHERE id = $1`, [
        setId,
        after,
      ]);
      return after - before;
    });
  }

  private async countItems(
    setId: string,
    manager: { query: DataSource['query'] },
  ): Promise<number> {
    const [row] = await manager.query(
      `SELECT count(*)::int AS n FROM backup_set_items WHERE backup_set_id = $1`,
      [setId],
    );
    return row.n;
  }

  /** A set retention has not expired. */
  async findLive(id: string): Promise<BackupSet | null> {
    if (!isUuid(id)) return null;
    const rows: BackupSet[] = await this.db.query(
      `SELECT ${COLUMNS} FROM backup_sets WHERE id = $1 AND expired_at IS NULL AND NOT capturing`,
      [id],
    );
    return rows[0] ?? null;
  }

  listLiveByTenant(tenantId: string, scheduleId?: string): Promise<BackupSet[]> {
    return this.db.query(
      `SELECT ${COLUMNS} FROM backup_sets
        WHERE tenant_id = $1 AND expired_at IS NULL AND NOT capturing
          AND ($2::uuid IS NULL OR schedule_id = $2)
        ORDER BY created_at DESC, id DESC LIMIT 200`,
      [tenantId, scheduleId ?? null],
    );
  }

  items(setId: string): Promise<BackupSetItem[]> {
    return this.db.query(
      `SELECT policy_type AS "policyType", policy_id AS "policyId", display_name AS "displayName",
              content, assignments, content_hash AS "contentHash", captured_at AS "capturedAt"
         FROM backup_set_items WHERE backup_set_id = $1 ORDER BY policy_type, policy_id`,
      [setId],
    );
  }

  /** Expires the schedule's sets beyond the newest `keepLast`; returns how many. */
  async expireBeyond(scheduleId: string, keepLast: number): Promise<number> {
    const rows: [unknown[], number] = await this.db.query(
      `UPDATE backup_sets SET expired_at = now()
        WHERE schedule_id = $1 AND expired_at IS NULL AND NOT capturing AND id NOT IN (
          SELECT id FROM backup_sets WHERE schedule_id = $1 AND expired_at IS NULL AND NOT capturing
           ORDER BY created_at DESC, id DESC LIMIT $2)
        RETURNING id`,
      [scheduleId, keepLast],
    );
    return rows[1];
  }

  /**
   * Deletes up to `limit` expired sets of the workspace (their items with them), and the sets
   * left capturing by a run that is over (its worker died before it could drop them).
   */
  async deleteExpired(workspaceId: string, limit: number): Promise<number> {
    const rows: [unknown[], number] = await this.db.query(
      `DELETE FROM backup_sets WHERE id IN (
         (SELECT id FROM backup_sets WHERE workspace_id = $1 AND expired_at IS NOT NULL LIMIT $2)
         UNION ALL
         (SELECT id FROM backup_sets s WHERE workspace_id = $1 AND capturing AND ${ABANDONED} LIMIT $2))
       RETURNING id`,
      [workspaceId, limit],
    );
    return rows[1];
  }

  /** Workspaces that hold expired or abandoned sets (the daily purge's work list). */
  async workspacesWithExpired(): Promise<string[]> {
    const rows: { workspaceId: string }[] = await this.db.query(
      `SELECT workspace_id AS "workspaceId" FROM backup_sets WHERE expired_at IS NOT NULL
       UNION
       SELECT workspace_id FROM backup_sets s WHERE capturing AND ${ABANDONED}`,
    );
    return rows.map((row) => row.workspaceId);
  }
}
