import { DynamicModule, Global, Module, type OnModuleInit, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { BullModule } from '@nestjs/bull';
import { AuthzModule, RecordScopeRegistry } from '#libs/authz';
import { isUuid } from '#libs/common/ids';
import { Metrics, type QueueState } from '#libs/metrics';
import { TenancyModule } from '#libs/tenancy';
import { NotificationRepository } from './notifications.repository.js';
import { NotificationsService } from './notifications.service.js';
import { OperationRunRepository } from './operation-run.repository.js';
import { OperationRunsService } from './operation-runs.service.js';
import { RunDispatcher } from './run-dispatcher.js';
import { RunEventsService } from './run-events.service.js';
import { RunExecutor } from './run-executor.js';
import { RunHandlerExplorer } from './run-handler.explorer.js';
import { RunLivenessService } from './run-liveness.service.js';
import { RunRetentionService } from './run-retention.service.js';
import { RunTypeRegistry } from './run-type.registry.js';
import type { AnyRunTypeDefinition, RunTypeDefinition } from './run-types.js';
import { RunWorker } from './run-worker.js';

/** A scrape does not wait longer than this for Redis to count the queues. */
const QUEUE_DEPTH_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`No answer in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export interface OperationRunsOptions {
  /** Consume the run queues in this process (the `worker` role). */
  worker: boolean;
}

/** Carrier of one family's run types (see {@link OperationRunsModule.forFeature}). */
@Module({})
export class OperationRunTypesModule {}

/**
 * Identity, dedupe, dispatch and tracking of operation runs. Imported once by the app
 * (`forRoot`); each family declares its run types with `forFeature`.
 */
@Global()
@Module({})
export class OperationRunsModule implements OnModuleInit {
  constructor(
    private readonly registry: RunTypeRegistry,
    private readonly runs: OperationRunRepository,
    private readonly records: RecordScopeRegistry,
    private readonly dispatcher: RunDispatcher,
    private readonly metrics: Metrics,
  ) {}

  static forRoot(options: OperationRunsOptions): DynamicModule {
    return {
      module: OperationRunsModule,
      imports: [AuthzModule, TenancyModule, DiscoveryModule],
      providers: [
        RunTypeRegistry,
        OperationRunRepository,
        OperationRunsService,
        RunDispatcher,
        RunExecutor,
        RunHandlerExplorer,
        RunLivenessService,
        RunRetentionService,
        NotificationRepository,
        NotificationsService,
        RunEventsService,
        ...(options.worker ? [RunWorker] : []),
      ],
      exports: [
        RunTypeRegistry,
        OperationRunsService,
        RunLivenessService,
        RunRetentionService,
        NotificationsService,
        RunEventsService,
      ],
    };
  }

  /** Registers a family's run types and the Bull queues they run on. */
  static forFeature(definitions: readonly AnyRunTypeDefinition[]): DynamicModule {
    const registration: Provider = {
      provide: `run-types:${definitions.map((d) => d.type).join(',')}`,
      inject: [RunTypeRegistry],
      useFactory: (registry: RunTypeRegistry) => {
        for (const definition of definitions)
          registry.register(definition as unknown as RunTypeDefinition);
        return definitions;
      },
    };
    const queues = [...new Set(definitions.map((d) => d.queue))].map((name) => ({ name }));
    const bullQueues = BullModule.registerQueue(...queues);
    return {
      module: OperationRunTypesModule,
      imports: [bullQueues],
      providers: [registration],
      exports: [bullQueues],
    };
  }

  onModuleInit(): void {
    this.metrics.setQueueDepthSource(() =>
      Promise.all(
        this.registry.queues().map(async (queue) => ({
          queue,
          counts: (await withTimeout(
            this.dispatcher.queue(queue).getJobCounts(),
            QUEUE_DEPTH_TIMEOUT_MS,
          )) as unknown as Record<QueueState, number>,
        })),
      ),
    );
    this.records.register('run', 'Operation run', async (id) => {
      const scope = isUuid(id) ? await this.runs.findScope(id) : null;
      // System-wide runs belong to no workspace: nobody's to view through the API.
      if (!scope?.workspaceId) return null;
      return {
        workspaceId: scope.workspaceId,
        tenantId: scope.tenantId,
        capability: this.registry.find(scope.type)?.capability,
      };
    });
  }
}
