import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';
import { RunDispatcher } from './run-dispatcher.js';
import { RunExecutor } from './run-executor.js';
import { RunTypeRegistry } from './run-type.registry.js';

/** In processes with the `worker` role: consumes every run queue and hands jobs to the executor. */
@Injectable()
export class RunWorker implements OnApplicationBootstrap {
  private readonly logger = new Logger(RunWorker.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: RunTypeRegistry,
    private readonly dispatcher: RunDispatcher,
    private readonly executor: RunExecutor,
  ) {}

  onApplicationBootstrap(): void {
    for (const name of this.registry.queues()) {
      const queue = this.dispatcher.queue(name);
      this.catchWorkerName(queue, name);
      // '*': one processor for every job name (= run type) on the queue.
      // The promise rejects when Redis cannot be reached; Bull reconnects, and /health/ready says so.
      queue
        .process('*', this.config.worker.concurrency, (job) => this.executor.execute(job))
        .catch((error) => this.logger.error({ err: error, queue: name }, 'Queue not consumed'));
      queue.on('error', (error) => this.logger.error({ err: error, queue: name }, 'Queue error'));
      this.logger.log(
        { queue: name, concurrency: this.config.worker.concurrency },
        'Consuming run queue',
      );
    }
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
