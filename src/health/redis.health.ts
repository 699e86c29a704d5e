import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';
import { connectRedis } from '#libs/common/redis';

const TIMEOUT_MS = 1000;

/**
 * Readiness of Redis (Bull's store): one PING on a short-lived connection that never retries, so
 * a check answers within the timeout and leaves nothing running behind it (in a cluster, the PING
 * goes to a node once the slot map is read).
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    const redis = connectRedis(this.config.redis, {
      lazyConnect: true,
      connectTimeout: TIMEOUT_MS,
      commandTimeout: TIMEOUT_MS,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined); // reported through the check instead
    try {
      await redis.connect();
      await redis.ping();
      return indicator.up();
    } catch {
      return indicator.down({ message: 'Redis did not answer PING.' });
    } finally {
      // disconnect() on an already ended client arms a stray timer in ioredis.
      if (redis.status !== 'end') redis.disconnect();
    }
  }
}
