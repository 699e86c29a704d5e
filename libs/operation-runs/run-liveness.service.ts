import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';
import { Metrics } from '#libs/metrics';
import { OperationRunRepository } from './operation-run.repository.js';
import { RunDispatcher } from './run-dispatcher.js';
import { RunTypeRegistry } from './run-type.registry.js';

const BATCH = 500;
const MINUTE = 60_000;

export interface SweepResult {
  staleQueued: string[];
  lost: string[];
}

/**
 * Frees identities held by runs that will never finish: queued too long with no job behind them
 * (`run.stale_queued`), or running without a heartbeat (`worker.lost`). Safe to run anywhere, any
 * number of times at once: every change is conditional on the state it found.
 */
@Injectable()
export class RunLivenessService {
  private readonly logger = new Logger(RunLivenessService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly runs: OperationRunRepository,
    private readonly dispatcher: RunDispatcher,
    private readonly registry: RunTypeRegistry,
    private readonly metrics: Metrics,
  ) {}

  async sweep(now = new Date()): Promise<SweepResult> {
    const staleBefore = new Date(now.getTime() - this.config.runs.staleQueuedMinutes * MINUTE);
    const orphans: string[] = [];
    // Every candidate is looked at, not just a first batch: a backlog of runs whose jobs are
    // still waiting must not hide the orphans behind it.
    for (let after: string | null = null; ;) {
      const candidates = await this.runs.findQueuedBefore(staleBefore, after, BATCH);
      for (const run of candidates) {
        // A type this process does not know has a queue it cannot look into: leave it be.
        if (!this.registry.find(run.type)) continue;
        if (!(await this.dispatcher.hasPendingJob(run))) orphans.push(run.id);
      }
      if (candidates.length < BATCH) break;
      after = candidates.at(-1)!.id;
    }
    const staleRuns = await this.runs.failMany(orphans, 'queued', {
      code: 'run.stale_queued',
      message: `Queued for over ${this.config.runs.staleQueuedMinutes} minutes with no job to run it.`,
    });
    const staleQueued = staleRuns.map((run) => run.id);

    const silentBefore = new Date(now.getTime() - this.config.runs.lostMinutes * MINUTE);
    const lostRuns = await this.runs.failMany(
      await this.runs.findSilentRunningBefore(silentBefore, BATCH),
      'running',
      {
        code: 'worker.lost',
        message: `No heartbeat for over ${this.config.runs.lostMinutes} minutes: the worker running it is gone.`,
      },
    );
    const lost = lostRuns.map((run) => run.id);
    this.metrics.runsSwept.inc({ reason: 'stale_queued' }, staleQueued.length);
    this.metrics.runsSwept.inc({ reason: 'worker_lost' }, lost.length);
    for (const run of [...staleRuns, ...lostRuns]) {
      this.metrics.runCompletions.inc({ type: run.type, outcome: 'failed' });
    }
    if (staleQueued.length || lost.length)
      this.logger.warn({ staleQueued, lost }, 'Swept runs that could not finish');
    return { staleQueued, lost };
  }
}
