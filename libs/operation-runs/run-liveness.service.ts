import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';
import { OperationRunRepository } from './operation-run.repository.js';
import { RunDispatcher } from './run-dispatcher.js';
import { RunTypeRegistry } from './run-type.registry.js';

const BATCH = 500;
const MINUTE = 60_000;
/**
 * A run queued this recently is left alone: its start may not have added its job yet (the row is
 * written first). Dispatching it again would be harmless (job id = run id) but pointless.
 */
const DISPATCH_GRACE_MS = MINUTE;

export interface SweepResult {
  /** Queued runs whose job Redis lost, queued again (job id = run id). */
  redispatched: string[];
  staleQueued: string[];
  lost: string[];
}

/**
 * Frees identities held by runs that will never finish: queued too long with no job behind them
 * (`run.stale_queued`), or running without a heartbeat (`worker.lost`); a queued run whose job is
 * gone (Redis lost it: restarted without persistence, flushed, failed over) is dispatched again
 * until it is that old, so that nothing a user started is dropped. Safe to run anywhere, any
 * number of times at once: every change is conditional on the state it found, and a job added
 * twice is one job.
 */
@Injectable()
export class RunLivenessService {
  private readonly logger = new Logger(RunLivenessService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly runs: OperationRunRepository,
    private readonly dispatcher: RunDispatcher,
    private readonly registry: RunTypeRegistry,
  ) {}

  async sweep(now = new Date()): Promise<SweepResult> {
    const staleBefore = now.getTime() - this.config.runs.staleQueuedMinutes * MINUTE;
    const orphans: string[] = [];
    const jobless: { id: string; type: string }[] = [];
    // Every candidate is looked at, not just a first batch: a backlog of runs whose jobs are
    // still waiting must not hide the orphans behind it.
    for (let after: string | null = null; ;) {
      const candidates = await this.runs.findQueuedBefore(
        new Date(now.getTime() - DISPATCH_GRACE_MS),
        after,
        BATCH,
      );
      // A type this process does not know has a queue it cannot look into: leave it be.
      const known = candidates.filter((run) => this.registry.find(run.type));
      const pending = await Promise.all(known.map((run) => this.dispatcher.hasPendingJob(run)));
      known.forEach((run, i) => {
        if (pending[i]) return;
        if (run.createdAt.getTime() < staleBefore) orphans.push(run.id);
        else jobless.push({ id: run.id, type: run.type });
      });
      if (candidates.length < BATCH) break;
      after = candidates.at(-1)!.id;
    }
    const refused = new Set(
      (await this.dispatcher.enqueueMany(jobless)).flatMap(({ runs, error }) => {
        // Redis is still away: the next sweep tries again, until the runs are stale.
        this.logger.warn(
          { runIds: runs.map((run) => run.id), err: error },
          'Could not dispatch queued runs again',
        );
        return runs.map((run) => run.id);
      }),
    );
    const redispatched = jobless.map((run) => run.id).filter((id) => !refused.has(id));
    const staleQueued = (
      await this.runs.failMany(orphans, 'queued', {
        code: 'run.stale_queued',
        message: `Queued for over ${this.config.runs.staleQueuedMinutes} minutes with no job to run it.`,
      })
    ).map((run) => run.id);

    const silentBefore = new Date(now.getTime() - this.config.runs.lostMinutes * MINUTE);
    const lost = (
      await this.runs.failMany(
        await this.runs.findSilentRunningBefore(silentBefore, BATCH),
        'running',
        {
          code: 'worker.lost',
          message: `No heartbeat for over ${this.config.runs.lostMinutes} minutes: the worker running it is gone.`,
        },
      )
    ).map((run) => run.id);
    if (redispatched.length || staleQueued.length || lost.length)
      this.logger.warn(
        { redispatched, staleQueued, lost },
        'Swept runs that had lost their job or could not finish',
      );
    return { redispatched, staleQueued, lost };
  }
}
