import { DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { AuthzModule } from '#libs/authz';
import type { AppConfig } from '#libs/common/config';
import { DatabaseModule } from '#libs/common/db';
import { LoggingModule, type LoggingOptions } from '#libs/common/logging';
import { QueueModule } from '#libs/common/redis';
import { GraphModule } from '#libs/graph';
import { MetricsModule } from '#libs/metrics';
import { OperationRunsModule } from '#libs/operation-runs';
import { TenancyModule } from '#libs/tenancy';
import { AppConfigModule } from './app-config.module.js';
import { DirectoryModule } from './directory/directory.module.js';
import { DriftModule } from './drift/drift.module.js';
import { HealthModule } from './health/health.module.js';
import { InventoryModule } from './inventory/inventory.module.js';
import { ManagementModule } from './management/management.module.js';
import { OnboardingModule } from './onboarding/index.js';
import { OperationsModule } from './operations/operations.module.js';
import { RoleDefinitionsModule } from './role-definitions/role-definitions.module.js';
import { BackupSchedulingModule } from './backup-scheduling/backup-scheduling.module.js';
import { RestoreModule } from './restore/restore.module.js';
import { SchedulerClockModule, SchedulerModule } from './scheduler/index.js';
import { SyncPlansModule } from './sync-plans/index.js';
import { SecretsModule } from './secrets/index.js';

export interface AppModuleOptions {
  logging?: LoggingOptions;
  /** More modules to load (tests register probe run types this way). */
  extraModules?: ModuleMetadata['imports'];
  /** Serve `GET /metrics` on METRICS_HOST:METRICS_PORT (the product's processes, not the CLI). */
  serveMetrics?: boolean;
}

/**
 * The whole product for one process. Every module is always loaded (so any process can start,
 * read and authorise runs); the roles decide what runs: `api` listens for HTTP (see main.ts),
 * `worker` consumes the run queues, `scheduler` ticks every minute.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule.forRoot(config, options.logging),
        MetricsModule.forRoot({ serve: options.serveMetrics ?? false }),
        DatabaseModule,
        QueueModule,
        TenancyModule,
        AuthzModule,
        GraphModule,
        OperationRunsModule.forRoot({ worker: config.roles.includes('worker') }),
        HealthModule,
        ManagementModule,
        OnboardingModule,
        OperationsModule,
        InventoryModule,
        DirectoryModule,
        RoleDefinitionsModule,
        DriftModule,
        SchedulerModule,
        BackupSchedulingModule,
        SyncPlansModule,
        RestoreModule,
        SecretsModule,
        ...(config.roles.includes('scheduler') ? [SchedulerClockModule] : []),
        ...(options.extraModules ?? []),
      ],
    };
  }
}
