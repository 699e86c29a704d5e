import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { RecordNotFoundError } from '#libs/common/errors';
import { GraphUnauthorizedError, isItemFailure } from '#libs/graph';
import {
  HandlesRun,
  NonRetryableRunError,
  OperationRunsService,
  RunSkipped,
  type RunContext,
  type RunHandler,
} from '#libs/operation-runs';
import { TenantsService } from '#libs/tenancy';
import { BackupScheduleRepository, type BackupSchedule } from './backup-schedules.repository.js';
import { BackupSetRepository } from './backup-sets.repository.js';
import { type CapturedPolicy } from '#libs/policies';
import { InventoryService } from '../inventory/index.js';
import { BackupCapture, type PolicyRef } from './backup-capture.js';

/** Skip codes of a backup run that finds it should not (or cannot) run (SPEC §2 rule 4). */
export const SkipCode = {
  ScheduleDeleted: 'schedule.deleted',
  ScheduleDisabled: 'schedule.disabled',
  Overlap: 'schedule.overlap',
  TenantGone: 'tenant.not_found',
  NoProviderConnection: 'provider.connection_failed',
} as const;

/** Policies captured per round: bounds memory and lets a cancel land between rounds. */
const CAPTURE_BATCH = 50;

/**
 * A tenant that is gone, or whose credentials Graph refuses (the provider connection does not
 * work), skips the run with that code rather than failing it; anything else is rethrown.
 */
function skipWhenUnusable(error: unknown): never {
  if (error instanceof GraphUnauthorizedError) {
    throw new RunSkipped(
      SkipCode.NoProviderConnection,
      `The tenant's provider connection does not sign in: ${error.message}`,
    );
  }
  if (error instanceof RecordNotFoundError) {
    throw new RunSkipped(SkipCode.TenantGone, 'The tenant is no longer managed.');
  }
  throw error;
}

/**
 * Captures the policies, counting each; a policy that Graph refuses (not found, forbidden…) is a
 * failed item, and an unusable tenant skips the run ({@link skipWhenUnusable}).
 */
async function captureAll(
  run: RunContext,
  capture: BackupCapture,
  tenantId: string,
  refs: () => Promise<PolicyRef[]>,
): Promise<CapturedPolicy[]> {
  const policies = await refs().catch(skipWhenUnusable);
  const items: CapturedPolicy[] = [];
  for (let start = 0; start < policies.length; start += CAPTURE_BATCH) {
    run.throwIfInterrupted();
    const outcomes = await capture
      .captureMany(tenantId, policies.slice(start, start + CAPTURE_BATCH))
      .catch(skipWhenUnusable);
    for (const outcome of outcomes) {
      run.increment('total');
      if (outcome.ok) {
        items.push(outcome.policy);
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

/** The schedule a run works for; a deleted one skips the run. */
async function liveSchedule(
  schedules: BackupScheduleRepository,
  id: string,
): Promise<BackupSchedule> {
  const schedule = await schedules.findAny(id);
  if (!schedule || schedule.deletedAt) {
    throw new RunSkipped(SkipCode.ScheduleDeleted, 'The schedule was deleted.');
  }
  return schedule;
}

@HandlesRun('backup_schedule_run')
export class BackupScheduleRunProcessor implements RunHandler<'backup_schedule_run'> {
  private readonly logger = new Logger(BackupScheduleRunProcessor.name);

  constructor(
    private readonly schedules: BackupScheduleRepository,
    private readonly sets: BackupSetRepository,
    private readonly capture: BackupCapture,
    private readonly tenants: TenantsService,
    private readonly runs: OperationRunsService,
  ) {}

  async execute(run: RunContext<'backup_schedule_run'>): Promise<void> {
    const { scheduleId, scheduledFor } = run.inputs;
    const schedule = await liveSchedule(this.schedules, scheduleId);
    const scheduled = scheduledFor !== undefined;
    if (scheduled && !schedule.enabled) {
      throw new RunSkipped(SkipCode.ScheduleDisabled, 'The schedule is disabled.');
    }
    if (scheduled && schedule.overlapPolicy === 'skip') {
      const previous = await this.runs.findEarlierActive(run.run, 'scheduleId');
      if (previous) {
        throw new RunSkipped(
          SkipCode.Overlap,
          `The schedule's previous run ${previous.id} is still ${previous.status}.`,
        );
      }
    }
    const tenantId = run.run.tenantId!;
    await this.tenants.get(tenantId).catch(skipWhenUnusable);
    const items = await captureAll(run, this.capture, tenantId, () =>
      this.capture.listPolicies(tenantId, schedule.policyTypes),
    );
    run.throwIfInterrupted();
    const set = await this.sets.create(
      {
        id: randomUUID(),
        workspaceId: schedule.workspaceId,
        tenantId,
        scheduleId,
        operationRunId: run.runId,
        name: `${schedule.name} — ${scheduledFor ?? new Date().toISOString()}`,
      },
      items,
    );
    run.setContext({ backupSetId: set.id });
    if (scheduled && run.failures.length === 0) {
      // After a successful scheduled run, retention keeps the newest keepLast sets.
      const { run: retention } = await this.runs.start({
        type: 'backup_schedule_retention',
        workspaceId: schedule.workspaceId,
        tenantId,
        inputs: { scheduleId },
        context: { afterRunId: run.runId },
        initiator: null,
      });
      run.setContext({ retentionRunId: retention.id });
      this.logger.debug({ ...run.logFields, retentionRunId: retention.id }, 'Retention started');
    }
  }
}

@HandlesRun('backup_schedule_retention')
export class BackupRetentionProcessor implements RunHandler<'backup_schedule_retention'> {
  constructor(
    private readonly schedules: BackupScheduleRepository,
    private readonly sets: BackupSetRepository,
  ) {}

  async execute(run: RunContext<'backup_schedule_retention'>): Promise<void> {
    // A deleted schedule's sets are its history: nothing expires them any more.
    const schedule = await liveSchedule(this.schedules, run.inputs.scheduleId);
    run.setContext({ keepLast: schedule.keepLast });
    run.increment('expired', await this.sets.expireBeyond(schedule.id, schedule.keepLast));
  }
}

const PURGE_BATCH = 500;

@HandlesRun('backup_schedule_purge')
export class BackupPurgeProcessor implements RunHandler<'backup_schedule_purge'> {
  constructor(private readonly sets: BackupSetRepository) {}

  async execute(run: RunContext<'backup_schedule_purge'>): Promise<void> {
    for (;;) {
      run.throwIfInterrupted();
      const deleted = await this.sets.deleteExpired(run.run.workspaceId!, PURGE_BATCH);
      run.increment('deleted', deleted);
      if (deleted < PURGE_BATCH) return;
    }
  }
}

/**
 * Captures the chosen inventory items' policies into the set. An item deleted from the inventory
 * since the start is a failed item; the others are read from Graph as a backup run reads them.
 */
@HandlesRun('backup_set_add_policies')
export class BackupSetAddPoliciesProcessor implements RunHandler<'backup_set_add_policies'> {
  constructor(
    private readonly sets: BackupSetRepository,
    private readonly capture: BackupCapture,
    private readonly inventory: InventoryService,
  ) {}

  async execute(run: RunContext<'backup_set_add_policies'>): Promise<void> {
    const set = await this.sets.findLive(run.inputs.backupSetId);
    if (!set) throw new NonRetryableRunError('backup_set.not_found', 'The backup set is gone.');
    const refs = await this.inventory.liveItemRefs(set.tenantId, run.inputs.policyIds);
    const live = new Set(refs.map((ref) => ref.id));
    for (const id of run.inputs.policyIds) {
      if (live.has(id)) continue;
      run.increment('total');
      run.increment('failed');
      run.fail(id, 'inventory.item_not_found', 'The inventory item is no longer live.');
    }
    const items = await captureAll(run, this.capture, set.tenantId, async () => refs);
    run.increment('created', await this.sets.addItems(set.id, items));
  }
}
