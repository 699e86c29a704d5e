import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';
import { Metrics } from '#libs/metrics';
import { OperationRunRepository } from './operation-run.repository.js';
import { RunDispatcher } from './run-dispatcher.js';
import { RunTypeRegistry } from './run-type.registry.js';
import type { OperationRun } from './run-types.js';

const BATCH = 500;
const MINUTE = 60_000;

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
    private readonly metrics: Metrics,
  ) {}

  async sweep(now = new Date()): Promise<SweepResult> {
    const staleBefore = now.getTime() - this.config.runs.staleQueuedMinutes * MINUTE;
    // A run queued within RUN_QUEUED_GRACE_SECONDS is left alone, as a start leaves it: its start
    // may not have added its job yet (the row is written first). Dispatching it again would be
    // harmless (job id = run id) but pointless.
    const graceBefore = new Date(now.getTime() - this.config.runs.queuedGraceSeconds * 1000);
    const orphans: string[] = [];
    const jobless: { id: string; type: string }[] = [];
    // Every candidate is looked at, not just a first batch: a backlog of runs whose jobs are
    // still waiting must not hide the orphans behind it.
    for (let after: string | null = null; ;) {
      const candidates = await this.runs.findQueuedBefore(graceBefore, after, BATCH);
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
    const staleQueued = await this.failStaleQueued(
      orphans,
      `Queued for over ${this.config.runs.staleQueuedMinutes} minutes with no job to run it.`,
    );
    const silentBefore = new Date(now.getTime() - this.config.runs.lostMinutes * MINUTE);
    const lost = await this.failLost(await this.runs.findSilentRunningBefore(silentBefore, BATCH));
    if (redispatched.length || staleQueued.length || lost.length)
      this.logger.warn(
        { redispatched, staleQueued, lost },
        'Swept runs that had lost their job or could not finish',
      );
    return { redispatched, staleQueued, lost };
  }

  /**
   * Of these runs (the holders of identities a start wants), fails those that can no longer
   * finish, as the sweep would, without waiting for it: queued past `RUN_QUEUED_GRACE_SECONDS`
   * with no job in Bull (`run.stale_queued`), or running without a heartbeat for
   * `RUN_LOST_MINUTES` (`worker.lost`). Returns the ids of the runs found so, whether this call
   * failed them or another process did (or one moved on meanwhile): the caller tries its start
   * again, and finds the identity free or held by a live run. Costs nothing for live runs younger
   * than the grace, and one Bull lookup for each older queued one.
   */
  async failUnfinishable(holders: readonly OperationRun[], now = new Date()): Promise<string[]> {
    const graceBefore = now.getTime() - this.config.runs.queuedGraceSeconds * 1000;
    const silentBefore = now.getTime() - this.config.runs.lostMinutes * MINUTE;
    const queued: string[] = [];
    const silent: string[] = [];
    for (const run of new Map(holders.map((holder) => [holder.id, holder])).values()) {
      if (run.status === 'running' && run.heartbeatAt && run.heartbeatAt.getTime() < silentBefore) {
        silent.push(run.id);
      } else if (
        run.status === 'queued' &&
        run.createdAt.getTime() < graceBefore &&
        this.registry.find(run.type) &&
        !(await this.dispatcher.hasPendingJob(run))
      ) {
        queued.push(run.id);
      }
    }
    if (!queued.length && !silent.length) return [];
    const failed = [
      ...(await this.failStaleQueued(
        queued,
        'Queued with no job to run it; a new start of the same work took its place.',
      )),
      ...(await this.failLost(silent)),
    ];
    if (failed.length) this.logger.warn({ runIds: failed }, 'Replaced runs that could not finish');
    return [...queued, ...silent];
  }

  private async failStaleQueued(ids: string[], message: string): Promise<string[]> {
    const failed = await this.runs.failMany(ids, 'queued', { code: 'run.stale_queued', message });
    return this.counted(failed, 'stale_queued');
  }

  private async failLost(ids: string[]): Promise<string[]> {
    const failed = await this.runs.failMany(ids, 'running', {
      code: 'worker.lost',
      message: `No heartbeat for over ${this.config.runs.lostMinutes} minutes: the worker running it is gone.`,
    });
    return this.counted(failed, 'worker_lost');
  }

  /** The failed runs' ids, once their failures are counted. */
  private counted(
    failed: readonly Pick<OperationRun, 'id' | 'type'>[],
    reason: 'stale_queued' | 'worker_lost',
  ): string[] {
    this.metrics.runsSwept.inc({ reason }, failed.length);
    for (const run of failed)
      this.metrics.runCompletions.inc({ type: run.type, outcome: 'failed' });
    return failed.map((run) => run.id);
  }
}
