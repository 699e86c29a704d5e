import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Job } from 'bull';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';
import { isUuid } from '#libs/common/ids';
import { sanitizeMessage } from '#libs/common/redaction';
import { Metrics } from '#libs/metrics';
import { OperationRunRepository, type CompletedRun } from './operation-run.repository.js';
import { RunError, RunSkipped } from '#libs/common/errors';
import { RunContext, RunInterrupted } from './run-context.js';
import type { RunJobData } from './run-dispatcher.js';
import type { RunHandler } from './run-handler.js';
import { outcomeOf } from './run-outcome.js';
import { RunTypeRegistry } from './run-type.registry.js';
import type { OperationRun, RunFailure, RunOutcome } from './run-types.js';
import { StatementBatcher } from './statement-batcher.js';

/**
 * A delivery of a resumable run's job found the run held by a worker that still heartbeats: the
 * job is failed so that Bull delivers it again after its back-off, when that worker has either
 * finished or is gone for good.
 */
class RunStillHeld extends RunError {
  constructor(runId: string) {
    super('run.still_held', `Run ${runId} is still held by a worker that heartbeats.`, true);
  }
}

/**
 * Runs one delivery of a job: claims the run (queued → running, so a duplicate delivery does
 * nothing), heartbeats while the handler works, and completes the run by the outcome rules.
 * Creates nothing: a job whose run is missing, of another type or not queued just ends.
 *
 * A resumable type's run is also taken over when its job comes again while the run is still
 * `running` with no heartbeat for `RUN_HEARTBEAT_SECONDS`: Bull delivers a job again only when
 * the worker that held it stopped renewing its lock (a killed worker). Each claim is a new
 * attempt, and this worker's heartbeats and completion name it: a previous holder that was only
 * stalled finds its run taken (its heartbeat answers "lost") and can no longer complete it.
 *
 * Bookkeeping is group-committed: the claims of one event-loop turn share one statement, as do the
 * completions, and one heartbeat statement every `RUN_HEARTBEAT_SECONDS` covers every run running
 * in this process (with each one's counts, failures and context). A run therefore costs its share
 * of one claim and one completion statement, plus its share of the heartbeats while it runs.
 */
@Injectable()
export class RunExecutor implements OnApplicationShutdown {
  private readonly logger = new Logger(RunExecutor.name);
  private readonly handlers = new Map<string, RunHandler>();
  private readonly heartbeatMs: number;
  /** The runs executing in this process: what the process heartbeat covers. */
  private readonly running = new Set<RunContext>();
  private beat: NodeJS.Timeout | undefined;
  private beating = false;
  private readonly claims: StatementBatcher<
    { id: string; type: string; takeOverAfterSeconds: number | null },
    OperationRun | null
  >;
  private readonly completions: StatementBatcher<
    {
      id: string;
      outcome: Exclude<RunOutcome, 'pending'>;
      progress: ReturnType<RunContext['progress']>;
      attempt: number;
    },
    CompletedRun | null
  >;

  constructor(
    private readonly runs: OperationRunRepository,
    private readonly registry: RunTypeRegistry,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    this.heartbeatMs = config.runs.heartbeatSeconds * 1000;
    const batching = { maxBatch: 500, maxInFlight: 2 };
    this.claims = new StatementBatcher((claims) => this.runs.claimMany(claims), batching);
    this.completions = new StatementBatcher((done) => this.runs.completeMany(done), batching);
  }

  /**
   * Not before: while the worker drains its queues at shutdown (`beforeApplicationShutdown`), the
   * runs still executing keep heartbeating, so they keep their claim and still hear a cancel.
   */
  onApplicationShutdown(): void {
    clearInterval(this.beat);
    this.beat = undefined;
  }

  /** Runs executing in this process now. */
  get runningCount(): number {
    return this.running.size;
  }

  setHandlers(handlers: Map<string, RunHandler>): void {
    for (const [type, handler] of handlers) this.handlers.set(type, handler);
  }

  async execute(job: Job<RunJobData>): Promise<void> {
    const type = job.name;
    const runId = job.data?.runId;
    const log = { runId, type, jobId: job.id, attempt: job.attemptsMade + 1 };
    const handler = this.handlers.get(type);
    if (!isUuid(runId) || !handler) {
      this.logger.warn(log, 'Job names no known run or run type; nothing done');
      return;
    }
    const resumable = this.registry.find(type)?.resumable === true;
    const run = await this.claims.run({
      id: runId,
      type,
      takeOverAfterSeconds: resumable ? this.heartbeatMs / 1000 : null,
    });
    if (!run) {
      if (resumable && (await this.runs.findById(runId))?.status === 'running') {
        this.logger.warn(log, 'Run is held by a worker that heartbeats; delivering again later');
        throw new RunStillHeld(runId);
      }
      this.logger.warn(log, 'Run is missing, of another type or not queued; nothing done');
      return;
    }
    if (run.attempts === 1 && run.startedAt) {
      this.metrics.runQueueWait.observe(
        { type },
        Math.max(0, run.startedAt.getTime() - run.createdAt.getTime()) / 1000,
      );
    }
    const context = new RunContext(run);
    if (run.attempts > 1 && job.attemptsMade + 1 < run.attempts) {
      this.logger.warn(
        { ...log, ...context.logFields, attempts: run.attempts },
        'Run taken over from a lost worker',
      );
    }
    this.startBeating(context);
    try {
      const explicit = await handler.execute(context);
      context.throwIfInterrupted();
      await this.finish(context, outcomeOf(context, explicit || undefined));
    } catch (error) {
      await this.handleError(context, job, error);
    } finally {
      this.stopBeating(context);
    }
  }

  /** The process heartbeat ticks while some run executes here, and stops when none does. */
  private startBeating(context: RunContext): void {
    this.running.add(context);
    if (this.beat) return;
    this.beat = setInterval(() => void this.heartbeat(), this.heartbeatMs);
    this.beat.unref();
  }

  private stopBeating(context: RunContext): void {
    this.running.delete(context);
    if (this.running.size === 0) {
      clearInterval(this.beat);
      this.beat = undefined;
    }
  }

  /**
   * One statement for every run executing in this process: heartbeat and progress. A run the
   * answer leaves out is no longer this worker's (swept, completed elsewhere, taken over); a run
   * whose cancel was asked is interrupted at its next `throwIfInterrupted`.
   */
  private async heartbeat(): Promise<void> {
    if (this.beating || this.running.size === 0) return;
    this.beating = true;
    const contexts = [...this.running];
    try {
      const states = await this.runs.heartbeatMany(
        contexts.map((context) => ({
          id: context.runId,
          attempt: context.run.attempts,
          progress: context.progress(),
        })),
      );
      for (const context of contexts) {
        const state = states.get(context.runId);
        if (!state) context.interrupt('lost');
        else if (state.cancelRequested) context.interrupt('cancelled');
      }
    } catch (error) {
      this.logger.warn({ err: error, runs: contexts.length }, 'Heartbeat failed');
    } finally {
      this.beating = false;
    }
  }

  private async handleError(
    context: RunContext,
    job: Job<RunJobData>,
    error: unknown,
  ): Promise<void> {
    const runId = context.runId;
    if (error instanceof RunInterrupted) {
      if (error.reason === 'cancelled') await this.finish(context, 'cancelled');
      else this.logger.warn(context.logFields, 'Run was taken from this worker; stopping');
      return;
    }
    if (error instanceof RunSkipped) {
      await this.finish(context, 'skipped', [
        { code: error.code, message: sanitizeMessage(error.message) },
      ]);
      return;
    }
    const failure: RunFailure = {
      code: error instanceof RunError ? error.code : 'run.exception',
      message: sanitizeMessage(error instanceof Error ? error.message : String(error)),
    };
    const attemptsLeft = (job.opts.attempts ?? 1) - (job.attemptsMade + 1);
    const retryable = !(error instanceof RunError) || error.retryable;
    if (retryable && attemptsLeft > 0) {
      // Back to queued, so the next delivery claims it; the same run, one more attempt.
      if (
        await this.runs.requeueForRetry(runId, context.progress([failure]), context.run.attempts)
      ) {
        this.logger.warn(
          { ...context.logFields, err: error, attemptsLeft },
          'Run attempt failed; Bull will retry',
        );
        throw error;
      }
      return;
    }
    this.logger.error({ ...context.logFields, err: error }, 'Run failed');
    await this.finish(context, 'failed', [failure]);
  }

  private async finish(
    context: RunContext,
    outcome: Exclude<RunOutcome, 'pending'>,
    extraFailures: RunFailure[] = [],
  ): Promise<void> {
    const done = await this.completions.run({
      id: context.runId,
      outcome,
      progress: context.progress(extraFailures),
      attempt: context.run.attempts,
    });
    if (done) {
      this.metrics.runCompletions.inc({ type: done.type, outcome: done.outcome });
      if (done.startedAt && done.completedAt) {
        this.metrics.runDuration.observe(
          { type: done.type },
          Math.max(0, done.completedAt.getTime() - done.startedAt.getTime()) / 1000,
        );
      }
      this.logger.log({ ...context.logFields, outcome: done.outcome }, 'Run completed');
    } else
      this.logger.warn(
        context.logFields,
        'Run was completed elsewhere before this worker finished',
      );
  }
}
