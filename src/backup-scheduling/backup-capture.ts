import { Injectable } from '@nestjs/common';
import { GraphClient, GraphUnauthorizedError, isItemFailure } from '#libs/graph';
import type { RunContext } from '#libs/operation-runs';
import {
  POLICY_TYPES,
  PolicyCaptureService,
  selectedPolicyTypes,
  type CapturedPolicy,
  type PolicyRef,
} from '#libs/policies';
import { skipWhenUnusable } from './backup-skips.js';

/** Policies captured per round: bounds memory and lets a cancel land between rounds. */
const CAPTURE_BATCH = 50;

/**
 * What a backup reads from Graph: the policies of the selected types (listed live, not from the
 * inventory, so a backup is whole even before a first inventory sync), captured by the shared
 * {@link PolicyCaptureService} — the same content, assignments and hash as policy versions.
 */
@Injectable()
export class BackupCapture {
  constructor(
    private readonly graph: GraphClient,
    private readonly capture: PolicyCaptureService,
  ) {}

  /** Every policy of the types (none: every type). */
  async listPolicies(tenantId: string, types: readonly string[]): Promise<PolicyRef[]> {
    const graph = this.graph.forTenant(tenantId);
    const refs: PolicyRef[] = [];
    for (const policyType of selectedPolicyTypes(types)) {
      for (const item of await graph.listAll(POLICY_TYPES[policyType].resource)) {
        refs.push({ policyType, graphId: item.id });
      }
    }
    return refs;
  }

  /**
   * Captures the policies, counting each in the run; a policy that Graph refuses (not found,
   * forbidden…) is a failed item, and an unusable tenant skips the run ({@link skipWhenUnusable}).
   * Each captured policy is kept as its JSON text (what the set's insert takes): a worker runs
   * many backups at once, and the objects weigh several times their text.
   */
  async captureAll(
    run: RunContext,
    tenantId: string,
    refs: () => Promise<PolicyRef[]>,
  ): Promise<string[]> {
    const policies = await refs().catch(skipWhenUnusable);
    const graph = this.graph.forTenant(tenantId);
    const items: string[] = [];
    for (let start = 0; start < policies.length; start += CAPTURE_BATCH) {
      run.throwIfInterrupted();
      const outcomes = await this.capture
        .captureMany(graph, policies.slice(start, start + CAPTURE_BATCH))
        .catch(skipWhenUnusable);
      for (const outcome of outcomes) {
        run.increment('total');
        if (outcome.ok) {
          items.push(JSON.stringify(outcome.policy satisfies CapturedPolicy));
          run.increment('succeeded');
          continue;
        }
        const { error, ref } = outcome;
        if (error instanceof GraphUnauthorizedError) skipWhenUnusable(error);
        if (!isItemFailure(error) || error.retryable) throw error;
        run.increment('failed');
        run.fail(`${ref.policyType} ${ref.graphId}`, error.code, error.message);
      }
    }
    return items;
  }
}
