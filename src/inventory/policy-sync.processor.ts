import { Logger } from '@nestjs/common';
import { uuidv7 } from '#libs/common/ids';
import { GraphClient, isItemFailure } from '#libs/graph';
import { HandlesRun, RunSkipped, type RunContext, type RunHandler } from '#libs/operation-runs';
import { InventoryRepository } from './inventory.repository.js';
import { PolicyCaptureService } from '#libs/policies';
import { PolicyVersionRepository } from './policy-version.repository.js';

/** Policies captured and stored per round: bounds memory and shows progress as it goes. */
const BATCH = 50;

/**
 * `policy_sync`: captures the full content and assignments of the selected policies (all live
 * inventory items when none is selected) and stores a new immutable version for each policy
 * whose content hash differs from its latest version.
 */
@HandlesRun('policy_sync')
export class PolicySyncProcessor implements RunHandler<'policy_sync'> {
  private readonly logger = new Logger(PolicySyncProcessor.name);

  constructor(
    private readonly graph: GraphClient,
    private readonly inventory: InventoryRepository,
    private readonly versions: PolicyVersionRepository,
    private readonly capture: PolicyCaptureService,
  ) {}

  async execute(run: RunContext<'policy_sync'>): Promise<void> {
    const tenantId = run.run.tenantId!;
    const refs = await this.inventory.findLiveRefs(tenantId, run.inputs.policyIds);
    if (refs.length === 0) {
      throw new RunSkipped(
        'inventory.empty',
        'No live inventory items to capture; run an inventory sync first.',
      );
    }
    const missing = run.inputs.policyIds.length - refs.length;
    for (let i = 0; i < missing; i++) {
      run.fail(
        null,
        'inventory.item_not_found',
        'A selected policy is no longer in the inventory.',
      );
    }
    run.increment('total', run.inputs.policyIds.length || refs.length);
    const graph = this.graph.forTenant(tenantId);
    for (let start = 0; start < refs.length; start += BATCH) {
      run.throwIfInterrupted();
      const outcomes = await this.capture.captureMany(graph, refs.slice(start, start + BATCH));
      const captured = [];
      for (const outcome of outcomes) {
        if (outcome.ok) {
          captured.push({ ...outcome.policy, id: uuidv7() });
          continue;
        }
        const { error, ref } = outcome;
        if (!isItemFailure(error)) throw error;
        run.increment('failed');
        run.fail(`${ref.policyType} ${ref.graphId}`, error.code, error.message);
        this.logger.warn({ ...run.logFields, ...ref, err: error }, 'Policy capture failed');
      }
      const created = await this.versions.insertChanged(tenantId, run.runId, captured);
      run.increment('succeeded', captured.length);
      run.increment('created', created);
      run.increment('unchanged', captured.length - created);
    }
    if (missing > 0) run.increment('failed', missing);
  }
}
