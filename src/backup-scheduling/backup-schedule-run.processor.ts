import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  HandlesRun,
  OperationRunsService,
  RunSkipped,
  type RunContext,
  type RunHandler,
} from '#libs/operation-runs';
import { TenantsService } from '#libs/tenancy';
import { BackupCapture } from './backup-capture.js';
import { BackupScheduleRepository } from './backup-schedules.repository.js';
import { BackupSetRepository, type BackupSet } from './backup-sets.repository.js';
import { liveSchedule, SkipCode, skipWhenUnusable } from './backup-skips.js';

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
    const set = await this.captureSet(
      run,
      tenantId,
      {
        id: randomUUID(),
        workspaceId: schedule.workspaceId,
        tenantId,
        scheduleId,
        operationRunId: run.runId,
        name: `${schedule.name} — ${scheduledFor ?? new Date().toISOString()}`,
      },
      schedule.policyTypes,
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

  /**
   * The set, written page by page as the policies are captured (a worker runs many backups at
   * once: none may hold a whole tenant) and shown only once whole. A run that ends otherwise drops
   * what it wrote, as does the next attempt of one whose worker died; the purge takes the rest.
   */
  private async captureSet(
    run: RunContext<'backup_schedule_run'>,
    tenantId: string,
    set: Omit<BackupSet, 'createdAt' | 'itemCount'>,
    policyTypes: readonly string[],
  ): Promise<BackupSet> {
    if (run.run.attempts > 1) await this.sets.discardCaptures(run.runId);
    await this.sets.openCapture(set);
    try {
      await this.capture.captureInto(
        run,
        tenantId,
        this.capture.policyPages(tenantId, policyTypes),
        (items) => this.sets.appendCaptured(set.id, items),
      );
      run.throwIfInterrupted();
      return await this.sets.sealCapture(set.id);
    } catch (error) {
      await this.sets.discardCaptures(run.runId).catch((cause: unknown) => {
        this.logger.warn(
          { ...run.logFields, err: cause },
          'Could not drop an unfinished backup set',
        );
      });
      throw error;
    }
  }
}
