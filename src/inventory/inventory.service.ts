import { Injectable } from '@nestjs/common';
import type { Principal, RecordScope } from '#libs/authz';
import { RecordNotFoundError } from '#libs/common/errors';
import { isUuid } from '#libs/common/ids';
import { decodeCursor, pageOf, type Page } from '#libs/common/pagination';
import { OperationRunsService, type Json, type StartedRun } from '#libs/operation-runs';
import { InventoryError, InventoryErrorCode } from './inventory.errors.js';
import {
  InventoryRepository,
  type InventoryItem,
  type ItemFilter,
  type LiveItem,
  type SnapshotEntry,
} from './inventory.repository.js';
import {
  PolicyVersionRepository,
  type LatestVersion,
  type PolicyVersion,
  type PolicyVersionSummary,
  type VersionFilter,
} from './policy-version.repository.js';
import type { PolicyRef } from '#libs/policies';
import { POLICY_TYPES, selectedPolicyTypes, type PolicyType } from '#libs/policies';
import { OnboardingService } from '../onboarding/index.js';

const DEFAULT_LIMIT = 50;

/** A live inventory item (`id`) as the policy it stands for. */
export interface InventoryItemRef extends PolicyRef {
  id: string;
}

export interface ItemQuery extends Omit<ItemFilter, 'after' | 'limit' | 'deleted'> {
  deleted?: 'false' | 'true' | 'any';
  limit?: number;
  cursor?: string;
}

export interface VersionQuery extends Omit<VersionFilter, 'before' | 'limit' | 'inventoryItemId'> {
  itemId?: string;
  limit?: number;
  cursor?: string;
}

/** Starts the inventory runs and answers the inventory reads (from PostgreSQL only). */
@Injectable()
export class InventoryService {
  constructor(
    private readonly runs: OperationRunsService,
    private readonly inventory: InventoryRepository,
    private readonly versions: PolicyVersionRepository,
    private readonly onboarding: OnboardingService,
  ) {}

  /**
   * `inventory_sync` of the selected types (none: every type). A caller's start, or the system's
   * (`initiator` null: another run refreshing what it changed, linked in `context`).
   */
  async startInventorySync(
    scope: RecordScope,
    initiator: Principal | null,
    policyTypes: readonly PolicyType[] | undefined,
    context?: Record<string, Json>,
  ): Promise<StartedRun> {
    const selected = selectedPolicyTypes(policyTypes);
    // A caller's start of types the tenant has not granted the permission to read is refused
    // (409), rather than failing later. (A run's own follow-up sync is not held to it.)
    if (initiator) {
      await this.onboarding.requirePermissions(
        scope.tenantId!,
        selected.map((type) => POLICY_TYPES[type].resource),
        'read',
      );
    }
    return this.runs.start({
      type: 'inventory_sync',
      workspaceId: scope.workspaceId,
      tenantId: scope.tenantId!,
      inputs: { policyTypes: selected },
      initiator,
      context,
    });
  }

  /** Selected policies must be items of this tenant's inventory: a 400 names the others. */
  async startPolicySync(
    scope: RecordScope,
    initiator: Principal,
    policyIds: readonly string[] = [],
  ): Promise<StartedRun> {
    const refs = policyIds.length ? await this.requireLiveItemRefs(scope.tenantId!, policyIds) : [];
    await this.onboarding.requirePermissions(
      scope.tenantId!,
      (refs.length ? refs.map((ref) => ref.policyType) : selectedPolicyTypes([])).map(
        (type) => POLICY_TYPES[type].resource,
      ),
      'read',
    );
    const ids = refs.map((ref) => ref.id).sort();
    return this.runs.start({
      type: 'policy_sync',
      workspaceId: scope.workspaceId,
      tenantId: scope.tenantId!,
      inputs: { policyIds: ids },
      initiator,
    });
  }

  /**
   * The live inventory items of the tenant with these ids, as the policies they stand for — what
   * a start that selects policies (`policyIds`) accepts. Any id that is not a live item of the
   * tenant answers 400 naming the field `policyIds`.
   */
  async requireLiveItemRefs(
    tenantId: string,
    itemIds: readonly string[],
  ): Promise<InventoryItemRef[]> {
    const ids = [...new Set(itemIds.map((id) => id.toLowerCase()))];
    const refs = await this.liveItemRefs(tenantId, ids.filter(isUuid));
    const known = new Set(refs.map((ref) => ref.id));
    const unknown = ids.filter((id) => !known.has(id)).sort();
    if (unknown.length) {
      const message = `policyIds must be live inventory items of this tenant; not: ${unknown.slice(0, 10).join(', ')}`;
      throw new InventoryError(InventoryErrorCode.UnknownPolicies, message, [
        { field: 'policyIds', messages: [message] },
      ]);
    }
    return refs;
  }

  /** The live items of the tenant among these ids (none for no ids), as their policies. */
  async liveItemRefs(tenantId: string, itemIds: readonly string[]): Promise<InventoryItemRef[]> {
    return itemIds.length ? this.inventory.findLiveRefs(tenantId, itemIds) : [];
  }

  async listItems(tenantId: string, query: ItemQuery): Promise<Page<InventoryItem>> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const { cursor, deleted = 'false', ...filters } = query;
    const rows = await this.inventory.listItems(tenantId, {
      ...filters,
      deleted: deleted === 'any' ? undefined : deleted === 'true',
      after:
        cursor === undefined
          ? undefined
          : (decodeCursor(cursor, 2, ([, id]) => isUuid(id)) as [string, string]),
      limit: limit + 1,
    });
    return pageOf(
      rows,
      limit,
      (item) => [item.displayName.toLowerCase(), item.id],
      (i) => i,
    );
  }

  async getItem(
    tenantId: string,
    id: string,
  ): Promise<InventoryItem & { versions: PolicyVersionSummary[] }> {
    const item = isUuid(id) ? await this.inventory.findItem(tenantId, id) : null;
    if (!item) throw new RecordNotFoundError('Inventory item');
    const versions = await this.versions.list(tenantId, { inventoryItemId: id, limit: 1000 });
    return { ...item, versions };
  }

  async listVersions(tenantId: string, query: VersionQuery): Promise<Page<PolicyVersionSummary>> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const { cursor, itemId, ...filters } = query;
    const before =
      cursor === undefined ? undefined : decodeCursor(cursor, 1, ([id]) => isUuid(id))[0];
    const rows = await this.versions.list(tenantId, {
      ...filters,
      inventoryItemId: itemId,
      before,
      limit: limit + 1,
    });
    return pageOf(
      rows,
      limit,
      (version) => [version.id],
      (v) => v,
    );
  }

  async getVersion(tenantId: string, id: string): Promise<PolicyVersion> {
    const version = isUuid(id) ? await this.versions.find(tenantId, id) : null;
    if (!version) throw new RecordNotFoundError('Policy version');
    return version;
  }

  /** The tenant's live inventory items of these types, by type and Graph id (with their names). */
  liveItemsOfTypes(tenantId: string, types: readonly PolicyType[]): Promise<LiveItem[]> {
    return this.inventory.findLiveOfTypes(tenantId, [...new Set(types)]);
  }

  /**
   * The latest captured version (`policy_sync`) of each of these policies of the tenant: its
   * content hash and assignments. Policies never captured are left out.
   */
  latestVersions(tenantId: string, refs: readonly PolicyRef[]): Promise<LatestVersion[]> {
    return this.versions.latestOf(tenantId, refs);
  }

  /** What one inventory sync saw (drift compares two); empty once the run was pruned. */
  snapshotOf(runId: string): Promise<SnapshotEntry[]> {
    return this.inventory.snapshotOf(runId);
  }
}
