import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bull';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';

/**
 * Bull on Redis, shared by every queue. Families only call `BullModule.registerQueue`; the
 * connection and the key prefix (per deployment, per test worker) are set here once.
 */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        url: config.redis.url,
        prefix: config.redis.prefix,
      }),
    }),
  ],
})
export class QueueModule {}
