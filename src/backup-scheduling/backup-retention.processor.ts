import { HandlesRun, type RunContext, type RunHandler } from '#libs/operation-runs';
import { BackupScheduleRepository } from './backup-schedules.repository.js';
import { BackupSetRepository } from './backup-sets.repository.js';
import { liveSchedule } from './backup-skips.js';

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
