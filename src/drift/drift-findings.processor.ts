import { RecordNotFoundError } from '#libs/common/errors';
import { uuidv7 } from '#libs/common/ids';
import {
  HandlesRun,
  NonRetryableRunError,
  OperationRunsService,
  type OperationRun,
  type RunContext,
  type RunHandler,
} from '#libs/operation-runs';
import { InventoryService } from '../inventory/index.js';
import { compareSnapshots } from './drift-comparison.js';
import { DriftFindingRepository } from './drift-finding.repository.js';

/**
 * `drift_generate_findings`: compares what two inventory syncs saw and writes one finding per
 * added, removed or modified policy, over the policy types both syncs covered.
 */
@HandlesRun('drift_generate_findings')
export class DriftFindingsProcessor implements RunHandler<'drift_generate_findings'> {
  constructor(
    private readonly runs: OperationRunsService,
    private readonly inventory: InventoryService,
    private readonly findings: DriftFindingRepository,
  ) {}

  async execute(run: RunContext<'drift_generate_findings'>): Promise<void> {
    const { baselineRunId, currentRunId } = run.inputs;
    const [baselineRun, currentRun] = await Promise.all([
      this.syncRun(baselineRunId),
      this.syncRun(currentRunId),
    ]);
    const [baseline, current] = await Promise.all([
      this.inventory.snapshotOf(baselineRunId),
      this.inventory.snapshotOf(currentRunId),
    ]);
    const covered = new Set(policyTypesOf(currentRun));
    const types = new Set(policyTypesOf(baselineRun).filter((type) => covered.has(type)));
    const { differences, compared } = compareSnapshots(baseline, current, types);
    await this.findings.insert(
      run.run.tenantId!,
      { runId: run.runId, baselineRunId, currentRunId },
      differences.map(({ change, baseline: before, current: after }) => ({
        id: uuidv7(),
        policyType: (after ?? before)!.policyType,
        graphId: (after ?? before)!.graphId,
        displayName: (after ?? before)!.displayName,
        change,
        baselineContent: before?.content ?? null,
        currentContent: after?.content ?? null,
      })),
    );
    run.increment('total', compared);
    run.increment('succeeded', compared);
    run.increment('findings', differences.length);
    for (const change of ['added', 'removed', 'modified'] as const) {
      run.increment(change, differences.filter((d) => d.change === change).length);
    }
  }

  /** A compared sync may have been pruned since the start: then there is nothing to compare. */
  private async syncRun(id: string): Promise<OperationRun> {
    try {
      return await this.runs.get(id);
    } catch (error) {
      if (!(error instanceof RecordNotFoundError)) throw error;
      throw new NonRetryableRunError(
        'drift.run_pruned',
        `Inventory sync ${id} no longer exists; its snapshot is gone.`,
      );
    }
  }
}

function policyTypesOf(run: OperationRun): string[] {
  const types = run.context.policyTypes;
  return Array.isArray(types) ? types.filter((t): t is string => typeof t === 'string') : [];
}
