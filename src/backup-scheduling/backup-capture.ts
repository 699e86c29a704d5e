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

  /**
   * Every policy of the types (none: every type), one Graph page at a time: a page is read only
   * once the previous one has been captured and written, so a run never holds a whole tenant.
   */
  async *policyPages(tenantId: string, types: readonly string[]): AsyncGenerator<PolicyRef[]> {
    const graph = this.graph.forTenant(tenantId);
    for (const policyType of selectedPolicyTypes(types)) {
      const { resource } = POLICY_TYPES[policyType];
      let nextLink: string | undefined;
      do {
        const page = await graph.list(resource, { nextLink }).catch(skipWhenUnusable);
        yield page.items.map((item) => ({ policyType, graphId: item.id }));
        nextLink = page.nextLink;
      } while (nextLink);
    }
  }

  /**
   * Captures the policies, counting each in the run, and hands each round's captured policies to
   * `write` before capturing the next: what a run holds is one round, whatever the tenant's size.
   * A policy that Graph refuses (not found, forbidden…) is a failed item, and an unusable tenant
   * skips the run ({@link skipWhenUnusable}). Each captured policy is handed over as its JSON text
   * (what the insert takes): the objects weigh several times their text.
   */
  async captureInto(
    run: RunContext,
    tenantId: string,
    pages: AsyncIterable<readonly PolicyRef[]> | Iterable<readonly PolicyRef[]>,
    write: (items: string[]) => Promise<void>,
  ): Promise<void> {
    const graph = this.graph.forTenant(tenantId);
    for await (const refs of pages) {
      for (let start = 0; start < refs.length; start += CAPTURE_BATCH) {
        run.throwIfInterrupted();
        const outcomes = await this.capture
          .captureMany(graph, refs.slice(start, start + CAPTURE_BATCH))
          .catch(skipWhenUnusable);
        const items: string[] = [];
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
        await write(items);
      }
    }
  }
}
