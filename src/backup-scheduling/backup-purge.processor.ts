import { HandlesRun, type RunContext, type RunHandler } from '#libs/operation-runs';
import { BackupSetRepository } from './backup-sets.repository.js';

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
