import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bull';
import type { JobOptions, Queue } from 'bull';
import { RunTypeRegistry } from './run-type.registry.js';

/** The only job payload: a job carries nothing but the id of the run it executes. */
export interface RunJobData {
  runId: string;
}

/** What the dispatcher needs of a run. */
type QueuedRun = { id: string; type: string };

/** A queue that does not answer within this long is treated as down: the start fails fast. */
const DISPATCH_TIMEOUT_MS = 3000;

/** Enqueues runs on their type's Bull queue, with the run id as the job id (idempotent). */
@Injectable()
export class RunDispatcher {
  private readonly queues = new Map<string, Queue<RunJobData>>();

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly registry: RunTypeRegistry,
  ) {}

  queue(name: string): Queue<RunJobData> {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = this.moduleRef.get<Queue<RunJobData>>(getQueueToken(name), { strict: false });
      this.queues.set(name, queue);
    }
    return queue;
  }

  /**
   * Enqueues runs with one bulk add per queue (one Redis transaction each). Returns the runs of
   * each queue that did not take them, with its error; an empty list when all were queued.
   */
  async enqueueMany(runs: QueuedRun[]): Promise<{ runs: QueuedRun[]; error: Error }[]> {
    const byQueue = new Map<string, QueuedRun[]>();
    for (const run of runs) {
      const name = this.registry.get(run.type).queue;
      const batch = byQueue.get(name);
      if (batch) batch.push(run);
      else byQueue.set(name, [run]);
    }
    const outcomes = await Promise.all(
      [...byQueue].map(async ([name, batch]) => {
        const queue = this.queue(name);
        const jobs = batch.map((run) => ({
          name: run.type,
          data: { runId: run.id },
          opts: this.jobOptions(run),
        }));
        const [first] = jobs;
        try {
          await this.withinDeadline(
            queue,
            // A lone job is a plain add: a bulk add is a MULTI/EXEC, dearer for one.
            jobs.length === 1 && first
              ? queue.add(first.name, first.data, first.opts)
              : queue.addBulk(jobs),
          );
          return null;
        } catch (error) {
          return { runs: batch, error: error as Error };
        }
      }),
    );
    return outcomes.filter((outcome) => outcome !== null);
  }

  private jobOptions(run: QueuedRun): JobOptions {
    const options = this.registry.jobOptions(run.type);
    return {
      jobId: run.id,
      attempts: options.attempts,
      backoff: { type: 'exponential', delay: options.backoffMs },
      // Status lives in PostgreSQL; Bull keeps nothing once a job is done.
      removeOnComplete: true,
      removeOnFail: true,
    };
  }

  private async withinDeadline(queue: Queue<RunJobData>, adding: Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        adding,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(`Queue "${queue.name}" did not answer in ${DISPATCH_TIMEOUT_MS} ms`),
              ),
            DISPATCH_TIMEOUT_MS,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Whether Bull still holds a job for the run that will deliver it (waiting, delayed, active).
   * A job of the run's id that will not is removed, or it would keep the run's job from being
   * added again (job id = run id): a finished one, or one a Redis restart emptied under a worker
   * (the worker took its id from the old server and marked it taken on the new, empty one,
   * leaving a job of no name and no data in no list).
   */
  async hasPendingJob(run: QueuedRun): Promise<boolean> {
    const job = await this.queue(this.registry.get(run.type).queue).getJob(run.id);
    if (!job) return false;
    const state = await job.getState();
    if (state === 'waiting' || state === 'delayed' || state === 'active' || state === 'paused')
      return true;
    // Refused while a worker's lock on it lasts: a later sweep removes it.
    await job.remove().catch(() => undefined);
    return false;
  }
}
