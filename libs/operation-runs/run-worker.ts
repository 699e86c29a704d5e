import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';
import { RunDispatcher } from './run-dispatcher.js';
import { RunExecutor } from './run-executor.js';
import { RunSlots } from './run-slots.js';
import { RunTypeRegistry } from './run-type.registry.js';

/**
 * In processes with the `worker` role: consumes every run queue and hands jobs to the executor.
 * `WORKER_CONCURRENCY` is the process's budget, shared by all queues: at most that many runs
 * execute here at once. Each queue may take that many jobs from Bull; a job taken while every
 * slot is busy (several queues busy at once) waits in this process for one, its lock renewed.
 *
 * On shutdown the worker stops first: before any module's shutdown hook (which close the queues
 * and then their connections in no set order), each consumed queue is closed, which waits for its
 * runs in flight. Closing a queue later is a no-op.
 */
@Injectable()
export class RunWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RunWorker.name);
  private readonly slots: RunSlots;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly registry: RunTypeRegistry,
    private readonly dispatcher: RunDispatcher,
    private readonly executor: RunExecutor,
  ) {
    this.slots = new RunSlots(config.worker.concurrency);
  }

  /** Runs executing in this process now, all queues together (never above the budget). */
  get busySlots(): number {
    return this.slots.inUse;
  }

  onApplicationBootstrap(): void {
    for (const name of this.registry.queues()) {
      const queue = this.dispatcher.queue(name);
      this.catchWorkerName(queue, name);
      // '*': one processor for every job name (= run type) on the queue.
      // The promise rejects when Redis cannot be reached; Bull reconnects, and /health/ready says so.
      queue
        .process('*', this.slots.size, (job) => this.slots.run(() => this.executor.execute(job)))
        .catch((error) => this.logger.error({ err: error, queue: name }, 'Queue not consumed'));
      queue.on('error', (error) => this.logger.error({ err: error, queue: name }, 'Queue error'));
      this.logger.log({ queue: name, concurrency: this.slots.size }, 'Consuming run queue');
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.registry.queues().map((name) => this.dispatcher.queue(name).close()));
  }

  /**
   * Bull's `process()` names the blocking connection (`CLIENT SETNAME`, a diagnostic) and leaves
   * that promise unhandled (OptimalBits/bull#1664): when Redis is unreachable or the queue closes
   * meanwhile, the rejection would be an uncaught error in the process. It is logged instead.
   */
  private catchWorkerName(queue: object, name: string): void {
    const named = queue as { setWorkerName?: () => Promise<unknown> };
    const setWorkerName = named.setWorkerName?.bind(queue);
    if (!setWorkerName) return;
    named.setWorkerName = () =>
      setWorkerName().catch((error: unknown) =>
        this.logger.warn({ err: error, queue: name }, 'Worker connection not named'),
      );
  }
}
