import { DynamicModule, Global, Module } from '@nestjs/common';
import { Metrics } from './metrics.js';
import { MetricsServer } from './metrics-server.js';

/** The process's metrics registry, for any module to instrument; and its listener. */
@Global()
@Module({})
export class MetricsModule {
  /** `serve`: listen on METRICS_HOST:METRICS_PORT (the product's processes; not the CLI). */
  static forRoot(options: { serve: boolean }): DynamicModule {
    return {
      module: MetricsModule,
      providers: [Metrics, ...(options.serve ? [MetricsServer] : [])],
      exports: [Metrics],
    };
  }
}
