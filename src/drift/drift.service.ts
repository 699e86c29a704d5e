import { Injectable } from '@nestjs/common';
import type { Principal, RecordScope } from '#libs/authz';
import { RecordNotFoundError } from '#libs/common/errors';
import { isUuid } from '#libs/common/ids';
import { decodeCursor, pageOf, type Page } from '#libs/common/pagination';
import { OperationRunsService, type OperationRun, type StartedRun } from '#libs/operation-runs';
import {
  DriftFindingRepository,
  type DriftFinding,
  type FindingFilter,
} from './drift-finding.repository.js';
import { DriftError, DriftErrorCode } from './drift.errors.js';

export interface FindingQuery extends Omit<FindingFilter, 'before' | 'limit'> {
  limit?: number;
  cursor?: string;
}

/** Starts drift runs (resolving which two syncs to compare) and answers findings from the DB. */
@Injectable()
export class DriftService {
  constructor(
    private readonly runs: OperationRunsService,
    private readonly findings: DriftFindingRepository,
  ) {}

  /**
   * Compares two succeeded inventory syncs of the tenant: the given ones, or by default the
   * latest (current) and the latest before it (baseline). The resolved ids are the run's inputs,
   * so "the latest two" and naming the same two runs are the same identity.
   */
  async startDrift(
    scope: RecordScope,
    initiator: Principal,
    request: { baselineRunId?: string; currentRunId?: string },
  ): Promise<StartedRun> {
    const tenantId = scope.tenantId!;
    const current = request.currentRunId
      ? await this.succeededSync(tenantId, request.currentRunId, 'currentRunId')
      : await this.latestSync(initiator, tenantId);
    const baseline = request.baselineRunId
      ? await this.succeededSync(tenantId, request.baselineRunId, 'baselineRunId')
      : current && (await this.latestSync(initiator, tenantId, current.createdAt));
    if (!current || !baseline) {
      throw new DriftError(
        DriftErrorCode.NotEnoughSyncs,
        'Drift compares two succeeded inventory syncs of the tenant; run an inventory sync first.',
      );
    }
    if (baseline.id === current.id) {
      const message = 'baselineRunId and currentRunId must name two different syncs.';
      throw new DriftError(DriftErrorCode.InvalidRun, message, [
        { field: 'baselineRunId', messages: [message] },
      ]);
    }
    return this.runs.start({
      type: 'drift_generate_findings',
      workspaceId: scope.workspaceId,
      tenantId,
      inputs: { baselineRunId: baseline.id, currentRunId: current.id },
      initiator,
    });
  }

  async listFindings(tenantId: string, query: FindingQuery): Promise<Page<DriftFinding>> {
    const limit = query.limit ?? 50;
    const { cursor, ...filters } = query;
    const before =
      cursor === undefined ? undefined : decodeCursor(cursor, 1, ([id]) => isUuid(id))[0];
    const rows = await this.findings.list(tenantId, { ...filters, before, limit: limit + 1 });
    return pageOf(
      rows,
      limit,
      (finding) => [finding.id],
      (f) => f,
    );
  }

  async finding(tenantId: string, id: string): Promise<DriftFinding> {
    const finding = isUuid(id) ? await this.findings.find(tenantId, id) : null;
    if (!finding) throw new RecordNotFoundError('Drift finding');
    return finding;
  }

  private async latestSync(
    principal: Principal,
    tenantId: string,
    createdBefore?: Date,
  ): Promise<OperationRun | undefined> {
    const page = await this.runs.list(principal, {
      tenantId,
      type: 'inventory_sync',
      outcome: 'succeeded',
      createdTo: createdBefore,
      limit: 1,
    });
    return page.items[0];
  }

  private async succeededSync(tenantId: string, id: string, field: string): Promise<OperationRun> {
    const run = await this.runs.get(id).catch(() => null);
    if (
      run?.tenantId !== tenantId ||
      run.type !== 'inventory_sync' ||
      run.outcome !== 'succeeded'
    ) {
      const message = `${field} must be a succeeded inventory sync of this tenant.`;
      throw new DriftError(DriftErrorCode.InvalidRun, message, [{ field, messages: [message] }]);
    }
    return run;
  }
}
