import { Logger } from '@nestjs/common';
import { uuidv7 } from '#libs/common/ids';
import { GraphClient, isItemFailure, type GraphItem, type TenantGraph } from '#libs/graph';
import { HandlesRun, type RunContext, type RunHandler } from '#libs/operation-runs';
import { InventoryRepository, type ListedPolicy } from './inventory.repository.js';
import { contentHash, normalizeContent } from '#libs/policies';
import { displayNameOf, platformOf, POLICY_TYPES, type PolicyType } from '#libs/policies';

/** A listed policy as the inventory keeps it: its name, platform, and normalised content. */
export function listedPolicy(type: PolicyType, item: GraphItem): ListedPolicy {
  const content = normalizeContent(item);
  const modified = item.lastModifiedDateTime;
  return {
    id: uuidv7(),
    policyType: type,
    graphId: item.id,
    displayName: displayNameOf(item),
    platform: platformOf(type, item),
    lastModifiedAt: typeof modified === 'string' ? modified : null,
    contentHash: contentHash(content),
    content,
  };
}

/**
 * `inventory_sync`: lists each selected policy type page by page, upserting each page in one
 * statement. A type that fails is recorded as a failure naming it and the other types still
 * land. Items not seen are marked deleted only after a complete sync — a partial one cannot
 * tell a deleted policy from one it failed to read.
 */
@HandlesRun('inventory_sync')
export class InventorySyncProcessor implements RunHandler<'inventory_sync'> {
  private readonly logger = new Logger(InventorySyncProcessor.name);

  constructor(
    private readonly graph: GraphClient,
    private readonly inventory: InventoryRepository,
  ) {}

  async execute(run: RunContext<'inventory_sync'>): Promise<void> {
    const tenantId = run.run.tenantId!;
    const graph = this.graph.forTenant(tenantId);
    const types = run.inputs.policyTypes;
    const since = run.run.startedAt ?? new Date();
    for (const type of types) {
      run.throwIfInterrupted();
      try {
        await this.syncType(run, graph, type);
        run.increment('typesSucceeded');
      } catch (error) {
        // The tenant's credentials are refused: no type can succeed, so the run ends here.
        if (!isItemFailure(error)) throw error;
        run.increment('typesFailed');
        run.fail(type, error.code, `listing ${POLICY_TYPES[type].label} failed: ${error.message}`);
        this.logger.warn({ ...run.logFields, policyType: type, err: error }, 'Policy type failed');
      }
    }
    if (run.failures.length === 0) {
      run.increment('deleted', await this.inventory.markUnseenDeleted(tenantId, types, since));
    }
  }

  private async syncType(
    run: RunContext<'inventory_sync'>,
    graph: TenantGraph,
    type: PolicyType,
  ): Promise<void> {
    let nextLink: string | undefined;
    do {
      const page = await graph.list(POLICY_TYPES[type].resource, { nextLink });
      const unique = new Map(page.items.map((item) => [item.id, listedPolicy(type, item)]));
      const { created, updated } = await this.inventory.upsertListed(run.run.tenantId!, run.runId, [
        ...unique.values(),
      ]);
      run.increment('total', unique.size);
      run.increment('succeeded', unique.size);
      run.increment(type, unique.size);
      run.increment('created', created);
      run.increment('updated', updated);
      run.increment('unchanged', unique.size - created - updated);
      nextLink = page.nextLink;
      run.throwIfInterrupted();
    } while (nextLink);
  }
}
