import { DynamicModule, Module, type Type } from '@nestjs/common';
import { AuthzModule } from '../libs/authz/index.js';
import { AppConfigModule, type AppConfig } from '../libs/common/config/index.js';
import { DatabaseModule } from '../libs/common/db/index.js';
import { LoggingModule, type LoggingOptions } from '../libs/common/logging/index.js';
import { QueueModule } from '../libs/common/redis/index.js';
import { TenancyModule } from '../libs/tenancy/index.js';
import { HealthModule } from './health/health.module.js';
import { ManagementModule } from './management/management.module.js';

export interface AppModuleOptions {
  logging?: LoggingOptions;
}

/** Modules that serve HTTP; loaded only in processes with the `api` role. */
const API_MODULES: Type[] = [HealthModule, ManagementModule];

/**
 * The whole product for one process. The platform (config, logs, PostgreSQL, Redis, authz) is
 * always there; each role (`api`, `worker`, `scheduler`) adds the modules it runs.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule.forRoot(config, options.logging),
        DatabaseModule,
        QueueModule,
        TenancyModule,
        AuthzModule,
        ...(config.roles.includes('api') ? API_MODULES : []),
      ],
    };
  }
}
