import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { preparedQuery, type Tx } from '#libs/common/db';
import { isUuid } from '#libs/common/ids';
import type { PolicyType } from '#libs/policies';
import type {
  ConflictPolicy,
  PlanIssue,
  PlannedAction,
  PlannedAssignment,
} from './restore-plan.js';

export const RESTORE_STATUSES = ['draft', 'executing', 'completed'] as const;
/** `draft` (previewed, changeable) → `executing` (its run is queued or running) → `completed`. */
export type RestoreStatus = (typeof RESTORE_STATUSES)[number];

export const ITEM_STATES = [
  'pending',
  'creating',
  'written',
  'assigned',
  'skipped',
  'unchanged',
  'failed',
] as const;
/**
 * An item's progress, written before each Graph call that follows it: `pending` → `creating`
 * (just before the create; `targetPolicyId` once Graph answered) → `written` (the policy is
 * there with its content) → `assigned`; or `skipped`, `unchanged`, `failed`. Its `result` is set
 * once nothing is left to do for it (null until then).
 */
export type ItemState = (typeof ITEM_STATES)[number];

export const ITEM_RESULTS = ['created', 'updated', 'skipped', 'unchanged', 'failed'] as const;
export type ItemResult = (typeof ITEM_RESULTS)[number];

export interface RestoreRun {
  id: string;
  workspaceId: string;
  tenantId: string;
  /** Null once the source tenant is deleted. */
  sourceTenantId: string | null;
  /** Null once the source set is purged. */
  sourceBackupSetId: string | null;
  status: RestoreStatus;
  /** The outcome of its run once completed (null before, or once the run is pruned). */
  outcome: string | null;
  conflictPolicy: ConflictPolicy;
  includeAssignments: boolean;
  skipUnmappedAssignments: boolean;
  groupMapping: Record<string, string>;
  blockers: PlanIssue[];
  warnings: PlanIssue[];
  operationRunId: string | null;
  inventorySyncRunId: string | null;
  createdBy: { userId: string | null; name: string };
  createdAt: Date;
  updatedAt: Date;
  executedAt: Date | null;
  completedAt: Date | null;
  /** Items per planned action, and per result. */
  planned: Record<PlannedAction | 'total', number>;
  results: Record<ItemResult | 'pending', number>;
}

/** One chosen policy: its plan and its progress. */
export interface RestoreRunItem {
  position: number;
  policyType: PolicyType;
  policyId: string;
  displayName: string | null;
  action: PlannedAction;
  targetPolicyId: string | null;
  targetDisplayName: string | null;
  assignments: PlannedAssignment[];
  warnings: PlanIssue[];
  state: ItemState;
  result: ItemResult | null;
  resultCode: string | null;
  resultMessage: string | null;
  updatedAt: Date;
}

export type PlannedItem = Omit<
  RestoreRunItem,
  'state' | 'result' | 'resultCode' | 'resultMessage' | 'updatedAt'
>;

export interface RestorePlanRow {
  conflictPolicy: ConflictPolicy;
  includeAssignments: boolean;
  skipUnmappedAssignments: boolean;
  groupMapping: Record<string, string>;
  blockers: PlanIssue[];
  warnings: PlanIssue[];
}

export interface NewRestoreRun extends RestorePlanRow {
  id: string;
  workspaceId: string;
  tenantId: string;
  sourceTenantId: string;
  sourceBackupSetId: string;
  createdBy: { userId: string | null; name: string };
}

/** A change of one item's progress (the fields given change; the others stay). */
export interface ItemProgress {
  state: ItemState;
  action?: PlannedAction;
  targetPolicyId?: string | null;
  result?: ItemResult | null;
  resultCode?: string | null;
  resultMessage?: string | null;
}

/** One item's whole progress, as written. */
export type ItemProgressRow = Pick<
  RestoreRunItem,
  'position' | 'state' | 'action' | 'targetPolicyId' | 'result' | 'resultCode' | 'resultMessage'
>;

const SAVE_PROGRESS = `
  UPDATE restore_run_items i
     SET state = p.state, action = p.action, target_policy_id = p."targetPolicyId",
         result = p.result, result_code = p."resultCode", result_message = p."resultMessage",
         updated_at = now()
    FROM jsonb_to_recordset($2::jsonb) AS p(position int, state text, action text,
         "targetPolicyId" text, result text, "resultCode" text, "resultMessage" text)
   WHERE i.restore_run_id = $1 AND i.position = p.position`;

/**
 * A restore run as readers see it. Its status is `completed` as soon as its operation run is,
 * whatever ended it (the handler's own end, a failed last attempt, the liveness sweep).
 */
const RUN_COLUMNS = `
  r.id, r.workspace_id AS "workspaceId", r.tenant_id AS "tenantId",
  r.source_tenant_id AS "sourceTenantId", r.source_backup_set_id AS "sourceBackupSetId",
  CASE WHEN r.status = 'executing' AND o.status = 'completed' THEN 'completed' ELSE r.status END AS status,
  CASE WHEN o.status = 'completed' THEN o.outcome END AS outcome,
  r.conflict_policy AS "conflictPolicy", r.include_assignments AS "includeAssignments",
  r.skip_unmapped_assignments AS "skipUnmappedAssignments", r.group_mapping AS "groupMapping",
  r.blockers, r.warnings, r.operation_run_id AS "operationRunId",
  r.inventory_sync_run_id AS "inventorySyncRunId",
  json_build_object('userId', r.created_by_user_id, 'name', r.created_by_name) AS "createdBy",
  r.created_at AS "createdAt", r.updated_at AS "updatedAt", r.executed_at AS "executedAt",
  coalesce(r.completed_at, CASE WHEN o.status = 'completed' THEN o.completed_at END) AS "completedAt",
  c.planned, c.results`;

const RUN_FROM = `
  restore_runs r
  LEFT JOIN operation_runs o ON o.id = r.operation_run_id
  CROSS JOIN LATERAL (
    SELECT json_build_object(
             'total', count(*)::int,
             'create', count(*) FILTER (WHERE i.action = 'create')::int,
             'update', count(*) FILTER (WHERE i.action = 'update')::int,
             'skip', count(*) FILTER (WHERE i.action = 'skip')::int,
             'unchanged', count(*) FILTER (WHERE i.action = 'unchanged')::int) AS planned,
           json_build_object(
             'pending', count(*) FILTER (WHERE i.result IS NULL)::int,
             'created', count(*) FILTER (WHERE i.result = 'created')::int,
             'updated', count(*) FILTER (WHERE i.result = 'updated')::int,
             'skipped', count(*) FILTER (WHERE i.result = 'skipped')::int,
             'unchanged', count(*) FILTER (WHERE i.result = 'unchanged')::int,
             'failed', count(*) FILTER (WHERE i.result = 'failed')::int) AS results
      FROM restore_run_items i WHERE i.restore_run_id = r.id
  ) c`;

const ITEM_COLUMNS = `
  position, policy_type AS "policyType", policy_id AS "policyId", display_name AS "displayName",
  action, target_policy_id AS "targetPolicyId", target_display_name AS "targetDisplayName",
  assignments, warnings, state, result, result_code AS "resultCode",
  result_message AS "resultMessage", updated_at AS "updatedAt"`;

const INSERT_ITEMS = `
  INSERT INTO restore_run_items (restore_run_id, position, policy_type, policy_id, display_name,
                                 action, target_policy_id, target_display_name, assignments, warnings)
  SELECT $1, i.position, i."policyType", i."policyId", i."displayName", i.action,
         i."targetPolicyId", i."targetDisplayName", coalesce(i.assignments, '[]'), coalesce(i.warnings, '[]')
    FROM jsonb_to_recordset($2::jsonb) AS i(position int, "policyType" text, "policyId" text,
         "displayName" text, action text, "targetPolicyId" text, "targetDisplayName" text,
         assignments jsonb, warnings jsonb)`;

/** Restore runs and their items: the preview a draft holds, and each item's progress. */
@Injectable()
export class RestoreRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insert(run: NewRestoreRun, items: PlannedItem[], tx: Tx): Promise<void> {
    await tx.manager.query(
      `INSERT INTO restore_runs (id, workspace_id, tenant_id, source_tenant_id, source_backup_set_id,
                                 conflict_policy, include_assignments, skip_unmapped_assignments,
                                 group_mapping, blockers, warnings, created_by_user_id, created_by_name)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        run.id,
        run.workspaceId,
        run.tenantId,
        run.sourceTenantId,
        run.sourceBackupSetId,
        run.conflictPolicy,
        run.includeAssignments,
        run.skipUnmappedAssignments,
        JSON.stringify(run.groupMapping),
        JSON.stringify(run.blockers),
        JSON.stringify(run.warnings),
        run.createdBy.userId,
        run.createdBy.name,
      ],
    );
    await this.insertItems(run.id, items, tx);
  }

  /** A draft's new preview: its choices and blockers, and its items planned again. */
  async replacePlan(id: string, plan: RestorePlanRow, items: PlannedItem[], tx: Tx): Promise<void> {
    await tx.manager.query(
      `UPDATE restore_runs
          SET conflict_policy = $2, include_assignments = $3, skip_unmapped_assignments = $4,
              group_mapping = $5, blockers = $6, warnings = $7, updated_at = now()
        WHERE id = $1`,
      [
        id,
        plan.conflictPolicy,
        plan.includeAssignments,
        plan.skipUnmappedAssignments,
        JSON.stringify(plan.groupMapping),
        JSON.stringify(plan.blockers),
        JSON.stringify(plan.warnings),
      ],
    );
    await tx.manager.query(`DELETE FROM restore_run_items WHERE restore_run_id = $1`, [id]);
    await this.insertItems(id, items, tx);
  }

  private async insertItems(id: string, items: PlannedItem[], tx: Tx): Promise<void> {
    if (items.length) await tx.manager.query(INSERT_ITEMS, [id, JSON.stringify(items)]);
  }

  /** Where a restore run belongs (for the 404/403 rule); null for an unknown id. */
  async findScope(id: string): Promise<{ workspaceId: string; tenantId: string } | null> {
    if (!isUuid(id)) return null;
    const rows = await this.db.query(
      `SELECT workspace_id AS "workspaceId", tenant_id AS "tenantId" FROM restore_runs WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async find(id: string, tx?: Tx): Promise<RestoreRun | null> {
    if (!isUuid(id)) return null;
    const rows: RestoreRun[] = await (tx?.manager ?? this.db).query(
      `SELECT ${RUN_COLUMNS} FROM ${RUN_FROM} WHERE r.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /**
   * Locks the restore run for a change (its preview, its execution, its deletion): concurrent
   * changes of one restore run are made one after the other. Null for an unknown id.
   */
  async lock(id: string, tx: Tx): Promise<RestoreRun | null> {
    if (!isUuid(id)) return null;
    const locked = await tx.manager.query(`SELECT 1 FROM restore_runs WHERE id = $1 FOR UPDATE`, [
      id,
    ]);
    return locked.length ? this.find(id, tx) : null;
  }

  /** The tenant's restore runs, newest first (ids are time-ordered), after the keyset `before`. */
  listByTenant(tenantId: string, before: string | undefined, limit: number): Promise<RestoreRun[]> {
    return this.db.query(
      `SELECT ${RUN_COLUMNS} FROM ${RUN_FROM}
        WHERE r.tenant_id = $1 AND ($2::uuid IS NULL OR r.id < $2)
        ORDER BY r.id DESC LIMIT $3`,
      [tenantId, before ?? null, limit],
    );
  }

  items(id: string): Promise<RestoreRunItem[]> {
    return this.db.query(
      `SELECT ${ITEM_COLUMNS} FROM restore_run_items WHERE restore_run_id = $1 ORDER BY position`,
      [id],
    );
  }

  async delete(id: string, tx: Tx): Promise<void> {
    await tx.manager.query(`DELETE FROM restore_runs WHERE id = $1`, [id]);
  }

  async markExecuting(id: string, tx: Tx): Promise<void> {
    await tx.manager.query(
      `UPDATE restore_runs SET status = 'executing', executed_at = now(), updated_at = now()
        WHERE id = $1 AND status = 'draft'`,
      [id],
    );
  }

  async linkRun(id: string, operationRunId: string): Promise<void> {
    await this.db.query(
      `UPDATE restore_runs SET operation_run_id = $2 WHERE id = $1 AND operation_run_id IS NULL`,
      [id, operationRunId],
    );
  }

  /** The handler's end: completed, with the inventory sync it started (if any). */
  async markCompleted(id: string, inventorySyncRunId: string | null): Promise<void> {
    await this.db.query(
      `UPDATE restore_runs
          SET status = 'completed', completed_at = now(), updated_at = now(),
              inventory_sync_run_id = coalesce($2, inventory_sync_run_id)
        WHERE id = $1 AND status = 'executing'`,
      [id, inventorySyncRunId],
    );
  }

  /**
   * Writes the progress of several items of one restore run in one statement (a named prepared
   * statement: it runs for every step of every item). Each row is the item's whole progress.
   */
  async saveProgress(id: string, rows: ItemProgressRow[]): Promise<void> {
    if (!rows.length) return;
    await preparedQuery(this.db, 'restore_item_progress', SAVE_PROGRESS, [
      id,
      JSON.stringify(rows),
    ]);
  }
}
