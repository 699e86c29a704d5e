import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';

/**
 * Makes the validated {@link AppConfig} injectable everywhere (`@Inject(APP_CONFIG)`). The
 * environment itself was parsed once, by the entry point, before any of the product was loaded:
 * `#libs/common/config` is plain code, so a bad variable is reported at once.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppConfigModule,
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}
