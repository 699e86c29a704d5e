import type { GraphItem } from '#libs/graph';
import { policyHash, type PolicyContent, type PolicyType } from '#libs/policies';

/**
 * The rules of a restore's preview, as pure functions over what the database holds: which target
 * policy each backed-up policy meets, what will be done with it, and where its assignments go.
 * `RestorePlanner` loads the data; these decide.
 */

export const CONFLICT_POLICIES = ['skip', 'update', 'create_copy'] as const;
/** What to do with a policy the target already has: leave it, update it in place, or copy beside it. */
export type ConflictPolicy = (typeof CONFLICT_POLICIES)[number];

export const PLANNED_ACTIONS = ['create', 'update', 'skip', 'unchanged'] as const;
export type PlannedAction = (typeof PLANNED_ACTIONS)[number];

/** The suffix of a copy made beside an existing policy (`create_copy`). */
export const COPY_SUFFIX = ' (restored)';

/** One backed-up policy chosen for the restore (a backup set item). */
export interface SourcePolicy {
  policyType: PolicyType;
  /** The Graph id in the source tenant: with the type, the item's key. */
  policyId: string;
  displayName: string;
  content: PolicyContent;
  assignments: GraphItem[];
  contentHash: string;
}

/** A policy of the target's inventory. */
export interface TargetPolicy {
  policyType: PolicyType;
  graphId: string;
  displayName: string;
  odataType?: string | null;
}

export interface RestoreChoices {
  conflictPolicy: ConflictPolicy;
  includeAssignments: boolean;
  skipUnmappedAssignments: boolean;
  /** Source group id → target group id, chosen by the caller. */
  groupMapping: Record<string, string>;
}

/** A problem found by the preview: a blocker stops execution, a warning does not. */
export interface PlanIssue {
  code: string;
  message: string;
  policyType?: string;
  policyId?: string;
  groupId?: string;
}

export const AssignmentTargetType = {
  Group: '#microsoft.graph.groupAssignmentTarget',
  Exclusion: '#microsoft.graph.exclusionGroupAssignmentTarget',
  AllUsers: '#microsoft.graph.allLicensedUsersAssignmentTarget',
  AllDevices: '#microsoft.graph.allDevicesAssignmentTarget',
} as const;

/** How one assignment's group was found in the target. */
export type MappedBy = 'explicit' | 'same_group' | 'display_name';

/** One assignment of a policy, as the restore will write it (or not). */
export interface PlannedAssignment {
  /** The target's `@odata.type` (group, exclusion, all users, all devices, …). */
  targetType: string;
  sourceGroupId?: string;
  /** From the source tenant's directory cache; null when it does not know the group. */
  sourceGroupName?: string | null;
  targetGroupId?: string | null;
  targetGroupName?: string | null;
  mappedBy?: MappedBy | null;
  /** What `assign` gets for it; null when it is left out (no group to map it to). */
  body: Record<string, unknown> | null;
}

/** The directory-cache facts the group mapping needs (all from PostgreSQL). */
export interface GroupDirectory {
  sameTenant: boolean;
  /** Source group id → name, from the source tenant's cache. */
  sourceNames: ReadonlyMap<string, string>;
  /** Target group id → name, for the ids the mapping or the assignments name. */
  targetById: ReadonlyMap<string, string>;
  /** lower(name) → the target's groups of that name. */
  targetByName: ReadonlyMap<string, readonly { id: string; displayName: string }[]>;
}

const FILTER_ID = 'deviceAndAppManagementAssignmentFilterId';
const NO_FILTER = /^0{8}-0{4}-0{4}-0{4}-0{12}$/;

function filterOf(target: Record<string, unknown>): string | null {
  const id = target[FILTER_ID];
  const type = target.deviceAndAppManagementAssignmentFilterType;
  return typeof id === 'string' && !NO_FILTER.test(id) && type !== 'none' ? id : null;
}

/** The group ids a policy's assignments target (included or excluded). */
export function assignedGroupIds(assignments: readonly GraphItem[]): string[] {
  const ids: string[] = [];
  for (const assignment of assignments) {
    const target = (assignment.target ?? {}) as Record<string, unknown>;
    if (typeof target.groupId === 'string') ids.push(target.groupId);
  }
  return ids;
}

/**
 * The target group for a source group: the explicit mapping wins; in the same tenant the group
 * itself, while the target's directory cache still has it; otherwise the target's one group of
 * the same display name (the source's cache gives the name). Null, with the reason, when none.
 */
export function mapGroup(
  groupId: string,
  mapping: Readonly<Record<string, string>>,
  directory: GroupDirectory,
):
  | { id: string; name: string | null; by: MappedBy }
  | { id: null; reason: 'unknown' | 'no_match' | 'ambiguous'; name: string | null } {
  const explicit = mapping[groupId];
  if (explicit)
    return { id: explicit, name: directory.targetById.get(explicit) ?? null, by: 'explicit' };
  if (directory.sameTenant && directory.targetById.has(groupId)) {
    return { id: groupId, name: directory.targetById.get(groupId)!, by: 'same_group' };
  }
  const name = directory.sourceNames.get(groupId) ?? null;
  if (name === null) return { id: null, reason: 'unknown', name };
  const candidates = directory.targetByName.get(name.toLowerCase()) ?? [];
  if (candidates.length === 1)
    return { id: candidates[0]!.id, name: candidates[0]!.displayName, by: 'display_name' };
  return { id: null, reason: candidates.length ? 'ambiguous' : 'no_match', name };
}

/**
 * A policy's assignments as the target gets them: groups (and exclusions) mapped, "All users" /
 * "All devices" and other targets carried as they are. An assignment that cannot be mapped —
 * its group has no counterpart, or its assignment filter belongs to another tenant — has no
 * body and is reported (once per group) as a blocker, or as a warning when the restore says
 * `skipUnmappedAssignments` (then it is left out).
 */
export function planAssignments(
  policy: SourcePolicy,
  choices: RestoreChoices,
  directory: GroupDirectory,
): { assignments: PlannedAssignment[]; unmapped: PlanIssue[] } {
  const assignments: PlannedAssignment[] = [];
  const unmapped: PlanIssue[] = [];
  const item = { policyType: policy.policyType, policyId: policy.policyId };
  for (const source of policy.assignments) {
    const target = { ...((source.target ?? {}) as Record<string, unknown>) };
    const targetType = String(target['@odata.type'] ?? '');
    const planned: PlannedAssignment = { targetType, body: null };
    const filter = filterOf(target);
    let issue: PlanIssue | null = null;
    if (filter && !directory.sameTenant) {
      issue = {
        code: 'restore.filter_unmapped',
        message: `An assignment of "${policy.displayName}" uses assignment filter ${filter}, which belongs to the source tenant.`,
        ...item,
      };
    }
    if (typeof target.groupId === 'string') {
      const groupId = target.groupId;
      const mapped = mapGroup(groupId, choices.groupMapping, directory);
      planned.sourceGroupId = groupId;
      planned.sourceGroupName =
        directory.sourceNames.get(groupId) ??
        (directory.sameTenant ? (directory.targetById.get(groupId) ?? null) : null);
      planned.targetGroupId = mapped.id;
      planned.targetGroupName = mapped.name;
      planned.mappedBy = mapped.id ? (mapped as { by: MappedBy }).by : null;
      if (mapped.id) target.groupId = mapped.id;
      else {
        const label = mapped.name ? `"${mapped.name}" (${groupId})` : groupId;
        const why = {
          unknown: "is not in the source tenant's directory cache, so its name is unknown",
          no_match: "has no group of the same name in the target's directory cache",
          ambiguous: "has several groups of the same name in the target's directory cache",
        }[(mapped as { reason: 'unknown' | 'no_match' | 'ambiguous' }).reason];
        issue = {
          code: 'restore.group_unmapped',
          message: `Group ${label} ${why}: map it in groupMapping.`,
          groupId,
          ...item,
        };
      }
    }
    if (issue) unmapped.push(issue);
    else planned.body = assignmentBody(source, target);
    assignments.push(planned);
  }
  return { assignments, unmapped };
}

/**
 * What `assign` takes for one assignment: its target (mapped), and its intent where the type has
 * one. Ids, the source it came from and timestamps are the source tenant's, not written.
 */
function assignmentBody(
  source: GraphItem,
  target: Record<string, unknown>,
): Record<string, unknown> {
  const body: Record<string, unknown> = { target };
  if (source.intent !== undefined && source.intent !== null) body.intent = source.intent;
  return body;
}

/**
 * The target policy a backed-up one meets: the same Graph id in its own tenant; in another, the
 * same type and name (case-insensitive) — and the same `@odata.type`, as one collection holds
 * several kinds of policy (the three default enrollment configurations share one name).
 */
export function matchTarget(
  policy: SourcePolicy,
  sameTenant: boolean,
  byId: ReadonlyMap<string, TargetPolicy>,
  byName: ReadonlyMap<string, readonly TargetPolicy[]>,
): { match: TargetPolicy | null; others: number } {
  if (sameTenant) {
    const match = byId.get(`${policy.policyType}/${policy.policyId}`) ?? null;
    return { match, others: 0 };
  }
  const kind = policy.content.properties['@odata.type'];
  const named = (
    byName.get(`${policy.policyType}/${policy.displayName.toLowerCase()}`) ?? []
  ).filter((target) => typeof kind !== 'string' || !target.odataType || target.odataType === kind);
  return { match: named[0] ?? null, others: Math.max(0, named.length - 1) };
}

/**
 * The hash the target's matched policy has when it already is what the restore would make it:
 * the backed-up content with its assignments as captured but mapped (those left out, left out),
 * or — without assignments — the target's own assignments, which the restore leaves alone.
 */
export function expectedHash(
  policy: SourcePolicy,
  assignments: readonly PlannedAssignment[],
  includeAssignments: boolean,
  targetAssignments: unknown[],
): string {
  if (!includeAssignments) {
    return policyHash(policy.policyType, policy.content, targetAssignments);
  }
  const mapped = policy.assignments.flatMap((captured, i) => {
    const body = assignments[i]?.body;
    return body ? [{ ...captured, target: body.target }] : [];
  });
  return policyHash(policy.policyType, policy.content, mapped);
}

/**
 * The action for a policy: `create` when the target has no such policy; `unchanged` when the
 * target's latest captured version already hashes as the restore would leave it; otherwise as
 * the conflict policy says (`create_copy` creates a copy with a suffix beside it).
 */
export function planAction(
  conflictPolicy: ConflictPolicy,
  match: TargetPolicy | null,
  identical: boolean,
): PlannedAction {
  if (!match) return 'create';
  if (identical) return 'unchanged';
  if (conflictPolicy === 'skip') return 'skip';
  return conflictPolicy === 'update' ? 'update' : 'create';
}

/**
 * Why another tenant cannot take this create, beyond what the write itself checks: an
 * administrative template that sets custom (ADMX-ingested) settings binds definitions that are
 * the source tenant's own — another tenant's ingested copy of the same file has other ids.
 */
export function crossTenantRefusal(policy: SourcePolicy): PlanIssue | null {
  if (policy.policyType !== 'administrative_template') return null;
  const custom = (policy.content.definitionValues ?? []).flatMap((value) => {
    const definition = value.definition as
      { policyType?: unknown; displayName?: unknown } | undefined;
    return definition?.policyType === 'admxIngested'
      ? [String(definition.displayName ?? value.id)]
      : [];
  });
  if (!custom.length) return null;
  return {
    code: 'restore.admx_definition_not_in_target',
    message: `"${policy.displayName}" sets custom (ingested) ADMX settings, whose definitions belong to the source tenant: ${custom.slice(0, 3).join(', ')}${custom.length > 3 ? ', …' : ''}. Leave it out, or ingest the ADMX file in the target and set them there.`,
    policyType: policy.policyType,
    policyId: policy.policyId,
  };
}
