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
import { BackupSetRepository } from './backup-sets.repository.js';
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
    const items = await this.capture.captureAll(run, tenantId, () =>
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
