import { Injectable } from '@nestjs/common';
import type { GraphItem } from '#libs/graph';
import {
  PolicyWriteError,
  PolicyWriteErrorCode,
  PolicyWrites,
  SECRET_MARK,
  type PolicyContent,
  type PolicyType,
} from '#libs/policies';
import type { BackupSetItem } from '../backup-scheduling/index.js';
import { DirectoryService } from '../directory/index.js';
import { InventoryService } from '../inventory/index.js';
import { invalidInput } from './restore.errors.js';
import type { PlannedItem } from './restore.repository.js';
import {
  assignedGroupIds,
  COPY_SUFFIX,
  crossTenantRefusal,
  expectedHash,
  mapGroup,
  matchTarget,
  planAction,
  planAssignments,
  type GroupDirectory,
  type PlanIssue,
  type PlannedAssignment,
  type RestoreChoices,
  type SourcePolicy,
  type TargetPolicy,
} from './restore-plan.js';

export interface PlanRequest extends RestoreChoices {
  targetTenantId: string;
  sourceTenantId: string;
  /** The chosen items of the source set, in the set's order. */
  items: SourcePolicy[];
}

export interface RestorePlan {
  items: PlannedItem[];
  /** What stops execution: unmapped groups (unless skipped), policies the target cannot take. */
  blockers: PlanIssue[];
  warnings: PlanIssue[];
}

/** A backup set item as a restore reads it. */
export function sourcePolicyOf(item: BackupSetItem): SourcePolicy {
  return {
    policyType: item.policyType as PolicyType,
    policyId: item.policyId,
    displayName: item.displayName ?? item.policyId,
    content: item.content as unknown as PolicyContent,
    assignments: item.assignments as unknown as GraphItem[],
    contentHash: item.contentHash,
  };
}

/** The captured content with the policy's name replaced (`name` for the settings catalog). */
export function withName(type: PolicyType, content: PolicyContent, name: string): PolicyContent {
  const key = type === 'settings_catalog' ? 'name' : 'displayName';
  if (content.properties[key] === name) return content;
  return { ...content, properties: { ...content.properties, [key]: name } };
}

/**
 * The preview of a restore, from PostgreSQL only — never Graph: the target's inventory (matches
 * and their latest captured versions) and both tenants' directory caches (group mapping). It
 * also builds each write as execution will (`PolicyWrites`), without opening secrets, so that a
 * policy the target cannot take is a blocker now and not a failure later.
 */
@Injectable()
export class RestorePlanner {
  /** Builds the bodies only to see whether they can be built: secrets stay sealed. */
  private readonly dryRun = new PolicyWrites((secret) => (secret[SECRET_MARK] ? '' : null));

  constructor(
    private readonly inventory: InventoryService,
    private readonly directory: DirectoryService,
  ) {}

  async plan(request: PlanRequest): Promise<RestorePlan> {
    const sameTenant = request.sourceTenantId === request.targetTenantId;
    const directory = await this.groupDirectory(request, sameTenant);
    const { byId, byName } = await this.targetPolicies(request);

    const blockers: PlanIssue[] = [];
    const warnings: PlanIssue[] = [];
    const unmappedGroups = new Map<string, { issue: PlanIssue; policies: number }>();
    const drafts = request.items.map((policy, index) => {
      const { assignments, unmapped } = request.includeAssignments
        ? planAssignments(policy, request, directory)
        : { assignments: [] as PlannedAssignment[], unmapped: [] };
      for (const issue of unmapped) {
        const key = issue.groupId ?? `${issue.policyType}/${issue.policyId}/${issue.code}`;
        const seen = unmappedGroups.get(key);
        if (seen) seen.policies++;
        else unmappedGroups.set(key, { issue, policies: 1 });
      }
      const { match, others } = matchTarget(policy, sameTenant, byId, byName);
      if (others > 0) {
        warnings.push({
          code: 'restore.several_matches',
          message: `The target has ${others + 1} ${policy.policyType} policies named "${policy.displayName}"; the restore works on ${match!.graphId}.`,
          policyType: policy.policyType,
          policyId: policy.policyId,
        });
      }
      return { policy, position: index + 1, assignments, match };
    });

    const versions = await this.inventory.latestVersions(
      request.targetTenantId,
      drafts.flatMap(({ match }) => (match ? [match] : [])),
    );
    const latest = new Map(versions.map((v) => [`${v.policyType}/${v.graphId}`, v]));

    const items = drafts.map(({ policy, position, assignments, match }): PlannedItem => {
      const version = match ? latest.get(`${match.policyType}/${match.graphId}`) : undefined;
      const identical =
        version !== undefined &&
        version.contentHash ===
          expectedHash(policy, assignments, request.includeAssignments, version.assignments);
      const action = planAction(request.conflictPolicy, match, identical);
      const copy = action === 'create' && match !== null;
      const targetDisplayName = copy
        ? `${policy.displayName}${COPY_SUFFIX}`
        : (match?.displayName ?? policy.displayName);
      const itemWarnings: PlanIssue[] = [];
      const refusal =
        (action === 'create' && !sameTenant ? crossTenantRefusal(policy) : null) ??
        this.refusal(policy, action, targetDisplayName);
      if (refusal?.code === PolicyWriteErrorCode.SecretNotCaptured) itemWarnings.push(refusal);
      else if (refusal) blockers.push(refusal);
      warnings.push(...itemWarnings);
      return {
        position,
        policyType: policy.policyType,
        policyId: policy.policyId,
        displayName: policy.displayName,
        action,
        targetPolicyId: action === 'create' ? null : match!.graphId,
        targetDisplayName,
        assignments,
        warnings: itemWarnings,
      };
    });

    for (const { issue, policies } of unmappedGroups.values()) {
      const counted =
        policies > 1 ? { ...issue, message: `${issue.message} (${policies} policies)` } : issue;
      if (!request.skipUnmappedAssignments) blockers.push(counted);
      else {
        warnings.push({
          ...counted,
          code: 'restore.assignment_left_out',
          message: `Left out (skipUnmappedAssignments): ${counted.message}`,
        });
      }
    }
    return { items, blockers, warnings };
  }

  /** Why the target cannot take this write, as the write itself would say; null when it can. */
  private refusal(policy: SourcePolicy, action: string, name: string): PlanIssue | null {
    if (action !== 'create' && action !== 'update') return null;
    const content = withName(policy.policyType, policy.content, name);
    try {
      if (action === 'create') this.dryRun.create(policy.policyType, content, name);
      else this.dryRun.update(policy.policyType, content, name);
      return null;
    } catch (error) {
      const code = error instanceof PolicyWriteError ? error.code : 'restore.policy_not_writable';
      return {
        code,
        message: (error as Error).message,
        policyType: policy.policyType,
        policyId: policy.policyId,
      };
    }
  }

  /** The target's live inventory items of the restored types, by Graph id and by name. */
  private async targetPolicies(request: PlanRequest) {
    const types = [...new Set(request.items.map((item) => item.policyType))];
    const live = await this.inventory.liveItemsOfTypes(request.targetTenantId, types);
    const byId = new Map<string, TargetPolicy>();
    const byName = new Map<string, TargetPolicy[]>();
    for (const item of live) {
      byId.set(`${item.policyType}/${item.graphId}`, item);
      const key = `${item.policyType}/${item.displayName.toLowerCase()}`;
      const named = byName.get(key);
      if (named) named.push(item);
      else byName.set(key, [item]);
    }
    return { byId, byName };
  }

  /**
   * What the group mapping needs from the directory caches, and the mapping checked against
   * them: each source group it names must be assigned by a chosen policy, each target group
   * must be in the target's cache (400 naming `groupMapping` otherwise).
   */
  private async groupDirectory(request: PlanRequest, sameTenant: boolean): Promise<GroupDirectory> {
    const assigned = request.includeAssignments
      ? [...new Set(request.items.flatMap((item) => assignedGroupIds(item.assignments)))]
      : [];
    const mapped = Object.values(request.groupMapping);
    const [sourceGroups, targetGroups] = await Promise.all([
      this.directory.groupsByIds(request.sourceTenantId, assigned),
      this.directory.groupsByIds(request.targetTenantId, [
        ...mapped,
        ...(sameTenant ? assigned : []),
      ]),
    ]);
    const targetById = new Map(targetGroups.map((group) => [group.id, group.displayName]));
    const unknownTargets = [...new Set(mapped.filter((id) => !targetById.has(id)))];
    if (unknownTargets.length) {
      throw invalidInput(
        'groupMapping',
        `groupMapping names groups that are not in the target tenant's directory cache: ${unknownTargets.slice(0, 10).join(', ')}`,
      );
    }
    const assignedSet = new Set(assigned);
    const unusedSources = Object.keys(request.groupMapping).filter((id) => !assignedSet.has(id));
    if (unusedSources.length && request.includeAssignments) {
      throw invalidInput(
        'groupMapping',
        `groupMapping names groups that no chosen policy is assigned to: ${unusedSources.slice(0, 10).join(', ')}`,
      );
    }
    const sourceNames = new Map(
      (sameTenant ? [...sourceGroups, ...targetGroups] : sourceGroups).map((group) => [
        group.id,
        group.displayName,
      ]),
    );
    const base: GroupDirectory = {
      sameTenant,
      sourceNames,
      targetById,
      targetByName: new Map(),
    };
    // Names are looked up only for the groups that neither the mapping nor the tenant settles.
    const names = assigned
      .filter((id) => mapGroup(id, request.groupMapping, base).id === null)
      .flatMap((id) => (sourceNames.has(id) ? [sourceNames.get(id)!] : []));
    const targetByName = new Map<string, { id: string; displayName: string }[]>();
    for (const group of await this.directory.groupsByDisplayNames(request.targetTenantId, names)) {
      const key = group.displayName.toLowerCase();
      targetByName.set(key, [...(targetByName.get(key) ?? []), group]);
    }
    return { ...base, targetByName };
  }
}
