import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlConditions } from '#libs/common/db';

export const DRIFT_CHANGES = ['added', 'removed', 'modified'] as const;
export type DriftChange = (typeof DRIFT_CHANGES)[number];

export interface NewFinding {
  id: string;
  policyType: string;
  graphId: string;
  displayName: string;
  change: DriftChange;
  baselineContent: unknown;
  currentContent: unknown;
}

export interface DriftFinding extends NewFinding {
  operationRunId: string | null;
  baselineOperationRunId: string | null;
  currentOperationRunId: string | null;
  createdAt: Date;
}

export interface FindingFilter {
  runId?: string;
  change?: DriftChange;
  policyType?: string;
  before?: string;
  limit: number;
}

const COLUMNS = `
  id, operation_run_id AS "operationRunId", baseline_operation_run_id AS "baselineOperationRunId",
  current_operation_run_id AS "currentOperationRunId", policy_type AS "policyType",
  graph_id AS "graphId", display_name AS "displayName", change,
  baseline_content AS "baselineContent", current_content AS "currentContent",
  created_at AS "createdAt"`;

@Injectable()
export class DriftFindingRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Writes a drift run's findings in one statement (again after a retry: no duplicates). */
  async insert(
    tenantId: string,
    runs: { runId: string; baselineRunId: string; currentRunId: string },
    findings: NewFinding[],
  ): Promise<void> {
    if (!findings.length) return;
    await this.db.query(
      `INSERT INTO drift_findings (id, tenant_id, operation_run_id, baseline_operation_run_id,
                                   current_operation_run_id, policy_type, graph_id, display_name,
                                   change, baseline_content, current_content)
       SELECT id, $1, $2, $3, $4, "policyType", "graphId", "displayName", change,
              "baselineContent", "currentContent"
         FROM jsonb_to_recordset($5::jsonb) AS t(id uuid, "policyType" text, "graphId" text,
              "displayName" text, change text, "baselineContent" jsonb, "currentContent" jsonb)
       ON CONFLICT (operation_run_id, policy_type, graph_id) DO NOTHING`,
      [tenantId, runs.runId, runs.baselineRunId, runs.currentRunId, JSON.stringify(findings)],
    );
  }

  async list(tenantId: string, filter: FindingFilter): Promise<DriftFinding[]> {
    const q = new SqlConditions();
    q.and(`tenant_id = ${q.param(tenantId)}`);
    if (filter.runId) q.and(`operation_run_id = ${q.param(filter.runId)}`);
    if (filter.change) q.and(`change = ${q.param(filter.change)}`);
    if (filter.policyType) q.and(`policy_type = ${q.param(filter.policyType)}`);
    if (filter.before) q.and(`id < ${q.param(filter.before)}`);
    return this.db.query(
      `SELECT ${COLUMNS} FROM drift_findings WHERE ${q.where}
        ORDER BY id DESC LIMIT ${q.param(filter.limit)}`,
      q.params,
    );
  }

  async find(tenantId: string, id: string): Promise<DriftFinding | null> {
    const rows = await this.db.query(
      `SELECT ${COLUMNS} FROM drift_findings WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }
}
