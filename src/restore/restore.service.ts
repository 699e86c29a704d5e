import { Injectable } from '@nestjs/common';
import { uuidv7 } from '#libs/common/ids';
import { Capability, type Principal, type RecordScope } from '#libs/authz';
import { TransactionRunner, type Tx } from '#libs/common/db';
import { RecordNotFoundError } from '#libs/common/errors';
import { decodeCursor, pageOf, type Page } from '#libs/common/pagination';
import { isUuid } from '#libs/common/ids';
import { OperationRunsService, type StartedRun } from '#libs/operation-runs';
import { AuditService, type Actor } from '#libs/tenancy';
import { BackupSetsService, type BackupSet } from '../backup-scheduling/index.js';
import type {
  CreateRestoreRunDto,
  RestoreItemKeyDto,
  UpdateRestoreRunDto,
} from './dto/restore-run.dto.js';
import { RestoreError, RestoreErrorCode, invalidInput } from './restore.errors.js';
import {
  RestoreRepository,
  type RestorePlanRow,
  type RestoreRun,
  type RestoreRunItem,
} from './restore.repository.js';
import type { RestoreChoices, SourcePolicy } from './restore-plan.js';
import { RestorePlanner, sourcePolicyOf, type RestorePlan } from './restore-planner.js';

const DEFAULT_LIMIT = 50;

export interface RestoreQuery {
  limit?: number;
  cursor?: string;
}

/** A restore run with its items (their plan and progress). */
export interface RestoreRunWithItems {
  run: RestoreRun;
  items: RestoreRunItem[];
}

const itemKey = (item: { policyType: string; policyId: string }) =>
  `${item.policyType}/${item.policyId}`;

/**
 * Restore runs: drafts previewed from the database (and previewed again on every change), their
 * execution (`restore_execute`, one run ever per restore run), and deletion of drafts. Every
 * change writes its audit entry in its own transaction.
 */
@Injectable()
export class RestoreService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly restores: RestoreRepository,
    private readonly planner: RestorePlanner,
    private readonly backupSets: BackupSetsService,
    private readonly runs: OperationRunsService,
    private readonly audit: AuditService,
  ) {}

  async create(
    scope: RecordScope,
    input: CreateRestoreRunDto,
    principal: Principal,
  ): Promise<RestoreRunWithItems> {
    const targetTenantId = scope.tenantId!;
    const set = await this.sourceSet(input.sourceBackupSetId, scope.workspaceId, principal);
    const choices: RestoreChoices = {
      conflictPolicy: input.conflictPolicy ?? 'skip',
      includeAssignments: input.includeAssignments ?? true,
      skipUnmappedAssignments: input.skipUnmappedAssignments ?? false,
      groupMapping: normalisedMapping(input.groupMapping),
    };
    const items = await this.chosenItems(set, input.items);
    const plan = await this.plan(set, targetTenantId, items, choices);
    const id = uuidv7();
    await this.transactions.run(async (tx) => {
      await this.restores.insert(
        {
          id,
          workspaceId: scope.workspaceId,
          tenantId: targetTenantId,
          sourceTenantId: set.tenantId,
          sourceBackupSetId: set.id,
          createdBy: principal.actor,
          ...planRow(choices, plan),
        },
        plan.items,
        tx,
      );
      await this.record(tx, principal.actor, 'restore_run.create', {
        id,
        workspaceId: scope.workspaceId,
        tenantId: targetTenantId,
        details: {
          sourceBackupSetId: set.id,
          sourceTenantId: set.tenantId,
          items: plan.items.length,
          conflictPolicy: choices.conflictPolicy,
        },
      });
    });
    return this.get(targetTenantId, id);
  }

  async list(tenantId: string, query: RestoreQuery): Promise<Page<RestoreRun>> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const before =
      query.cursor === undefined
        ? undefined
        : decodeCursor(query.cursor, 1, ([id]) => isUuid(id))[0];
    const rows = await this.restores.listByTenant(tenantId, before, limit + 1);
    return pageOf(
      rows,
      limit,
      (run) => [run.id],
      (run) => run,
    );
  }

  async get(tenantId: string, id: string): Promise<RestoreRunWithItems> {
    const run = await this.restores.find(id);
    if (!run || run.tenantId !== tenantId) throw new RecordNotFoundError('Restore run');
    return { run, items: await this.restores.items(id) };
  }

  /** Changes a draft's choices; its preview is computed again. */
  async update(
    tenantId: string,
    id: string,
    input: UpdateRestoreRunDto,
    principal: Principal,
  ): Promise<RestoreRunWithItems> {
    if (Object.keys(input).length === 0) {
      throw invalidInput('body', 'Name at least one field to change.');
    }
    await this.transactions.run(async (tx) => {
      const current = await this.lockDraft(tenantId, id, tx);
      const set = await this.liveSource(current, principal);
      const choices: RestoreChoices = {
        conflictPolicy: input.conflictPolicy ?? current.conflictPolicy,
        includeAssignments: input.includeAssignments ?? current.includeAssignments,
        skipUnmappedAssignments: input.skipUnmappedAssignments ?? current.skipUnmappedAssignments,
        groupMapping:
          input.groupMapping === undefined
            ? current.groupMapping
            : normalisedMapping(input.groupMapping),
      };
      const chosen =
        input.items ??
        (await this.restores.items(id)).map(({ policyType, policyId }) => ({
          policyType,
          policyId,
        }));
      const items = await this.chosenItems(set, chosen);
      const plan = await this.plan(set, tenantId, items, choices);
      await this.restores.replacePlan(id, planRow(choices, plan), plan.items, tx);
      await this.record(tx, principal.actor, 'restore_run.update', {
        id,
        workspaceId: current.workspaceId,
        tenantId,
        details: { fields: Object.keys(input).sort() },
      });
    });
    return this.get(tenantId, id);
  }

  /** Deletes a draft (an executed restore run is a record of what was done: it stays). */
  remove(tenantId: string, id: string, actor: Actor): Promise<void> {
    return this.transactions.run(async (tx) => {
      const current = await this.lockDraft(tenantId, id, tx);
      await this.restores.delete(id, tx);
      await this.record(tx, actor, 'restore_run.delete', {
        id,
        workspaceId: current.workspaceId,
        tenantId,
      });
    });
  }

  /**
   * Executes a draft: its preview is computed again against the database as it is now (the
   * inventory and directory may have moved since), refused with 409 naming the blockers that
   * remain, else the draft becomes `executing` and `restore_execute` is started — strict on the
   * restore run, so executing it again answers with the same run (`deduplicated: true`).
   */
  async execute(tenantId: string, id: string, principal: Principal): Promise<StartedRun> {
    const blocked = await this.transactions.run(async (tx) => {
      const current = await this.restores.lock(id, tx);
      if (!current || current.tenantId !== tenantId) throw new RecordNotFoundError('Restore run');
      if (current.status === 'completed' && !current.operationRunId) {
        // Its run was pruned: starting again would write the tenant a second time.
        throw new RestoreError(
          RestoreErrorCode.RunPruned,
          'This restore was executed and completed; its run has since been pruned. Create a new restore run to restore again.',
        );
      }
      if (current.status !== 'draft') return null;
      const set = await this.liveSource(current, principal);
      const chosen = (await this.restores.items(id)).map(({ policyType, policyId }) => ({
        policyType,
        policyId,
      }));
      const items = await this.chosenItems(set, chosen);
      const plan = await this.plan(set, tenantId, items, current);
      await this.restores.replacePlan(id, planRow(current, plan), plan.items, tx);
      if (plan.blockers.length) return plan.blockers;
      await this.restores.markExecuting(id, tx);
      await this.record(tx, principal.actor, 'restore_run.execute', {
        id,
        workspaceId: current.workspaceId,
        tenantId,
        details: { items: plan.items.length },
      });
      return null;
    });
    if (blocked) {
      const names = blocked.slice(0, 5).map((blocker) => blocker.message);
      throw new RestoreError(
        RestoreErrorCode.Blocked,
        `The restore has ${blocked.length} blocker(s): ${names.join(' ')}`,
        undefined,
        { blockers: blocked },
      );
    }
    const run = (await this.restores.find(id))!;
    const started = await this.runs.start({
      type: 'restore_execute',
      workspaceId: run.workspaceId,
      tenantId,
      inputs: { restoreRunId: id },
      context: {
        sourceBackupSetId: run.sourceBackupSetId,
        sourceTenantId: run.sourceTenantId,
      },
      initiator: principal,
    });
    await this.restores.linkRun(id, started.run.id);
    return started;
  }

  /**
   * The source set of a new restore: a live set of this workspace (400 naming the field for an
   * unknown set, or a set of another workspace of the caller's), whose tenant the caller may see
   * (a set in a workspace the caller is not a member of answers as a missing backup set does).
   */
  private async sourceSet(
    setId: string,
    workspaceId: string,
    principal: Principal,
  ): Promise<BackupSet> {
    const set = await this.backupSets.findLive(setId);
    if (!set) {
      throw invalidInput(
        'sourceBackupSetId',
        `Backup set ${setId} does not exist (or has expired).`,
      );
    }
    if (!principal.can(Capability.TenantView, set.workspaceId)) {
      throw new RecordNotFoundError('Backup set');
    }
    if (set.workspaceId !== workspaceId) {
      throw invalidInput(
        'sourceBackupSetId',
        'The backup set belongs to another workspace: restore from a set of this workspace.',
      );
    }
    return set;
  }

  /** The draft's source set, still there, and still visible to the caller. */
  private async liveSource(run: RestoreRun, principal: Principal): Promise<BackupSet> {
    const set = run.sourceBackupSetId
      ? await this.backupSets.findLive(run.sourceBackupSetId)
      : null;
    if (!set) {
      throw new RestoreError(
        RestoreErrorCode.SourceGone,
        'The source backup set is gone (purged or expired): this restore run can no longer be executed.',
      );
    }
    if (!principal.can(Capability.TenantView, set.workspaceId)) {
      throw new RecordNotFoundError('Backup set');
    }
    return set;
  }

  /** The chosen items of the set (all of them when none is named); 400 naming `items` otherwise. */
  private async chosenItems(
    set: BackupSet,
    chosen: readonly RestoreItemKeyDto[] | undefined,
  ): Promise<SourcePolicy[]> {
    const all = (await this.backupSets.itemsOf(set.id)).map(sourcePolicyOf);
    if (chosen === undefined) return all;
    const wanted = new Set(chosen.map(itemKey));
    const items = all.filter((item) => wanted.has(itemKey(item)));
    const known = new Set(items.map(itemKey));
    const unknown = [...wanted].filter((key) => !known.has(key));
    if (unknown.length) {
      throw invalidInput(
        'items',
        `items must be policies of the backup set; not: ${unknown.slice(0, 10).join(', ')}`,
      );
    }
    return items;
  }

  private plan(
    set: BackupSet,
    targetTenantId: string,
    items: SourcePolicy[],
    choices: RestoreChoices,
  ): Promise<RestorePlan> {
    return this.planner.plan({
      targetTenantId,
      sourceTenantId: set.tenantId,
      items,
      conflictPolicy: choices.conflictPolicy,
      includeAssignments: choices.includeAssignments,
      skipUnmappedAssignments: choices.skipUnmappedAssignments,
      groupMapping: choices.groupMapping,
    });
  }

  private async lockDraft(tenantId: string, id: string, tx: Tx): Promise<RestoreRun> {
    const current = await this.restores.lock(id, tx);
    if (!current || current.tenantId !== tenantId) throw new RecordNotFoundError('Restore run');
    if (current.status !== 'draft') {
      throw new RestoreError(
        RestoreErrorCode.NotDraft,
        `The restore run is ${current.status}: only a draft can be changed or deleted.`,
      );
    }
    return current;
  }

  private record(
    tx: Tx,
    actor: Actor,
    action: string,
    target: {
      id: string;
      workspaceId: string;
      tenantId: string;
      details?: Record<string, unknown>;
    },
  ): Promise<void> {
    return this.audit.record(
      {
        actor,
        action,
        target: { type: 'restore_run', id: target.id },
        workspaceId: target.workspaceId,
        tenantId: target.tenantId,
        details: target.details,
      },
      tx,
    );
  }
}

function planRow(choices: RestoreChoices, plan: RestorePlan): RestorePlanRow {
  return {
    conflictPolicy: choices.conflictPolicy,
    includeAssignments: choices.includeAssignments,
    skipUnmappedAssignments: choices.skipUnmappedAssignments,
    groupMapping: choices.groupMapping,
    blockers: plan.blockers,
    warnings: plan.warnings,
  };
}

/** Group ids as Graph writes them (lower case): a mapping is case-insensitive. */
function normalisedMapping(mapping: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(mapping ?? {}).map(([from, to]) => [from.toLowerCase(), to.toLowerCase()]),
  );
}
