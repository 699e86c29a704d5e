import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';
import { Metrics } from '#libs/metrics';
import { OperationRunRepository } from './operation-run.repository.js';

const BATCH = 1000;
const DAY = 86_400_000;

/** Prunes runs completed more than RUN_RETENTION_DAYS ago, in small batches (short locks). */
@Injectable()
export class RunRetentionService {
  private readonly logger = new Logger(RunRetentionService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly runs: OperationRunRepository,
    private readonly metrics: Metrics,
  ) {}

  async prune(now = new Date()): Promise<{ pruned: number; completedBefore: Date }> {
    const completedBefore = new Date(now.getTime() - this.config.runs.retentionDays * DAY);
    let pruned = 0;
    for (;;) {
      const deleted = await this.runs.deleteCompletedBefore(completedBefore, BATCH);
      pruned += deleted;
      if (deleted < BATCH) break;
    }
    this.metrics.runsPruned.inc(pruned);
    if (pruned) this.logger.log({ pruned, completedBefore }, 'Pruned completed runs');
    return { pruned, completedBefore };
  }
}
