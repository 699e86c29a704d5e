import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';

/** One Redis server or a Redis Cluster, as ioredis speaks to either. */
export type RedisConnection = Redis | Cluster;

/**
 * A new connection to the configured Redis: the server of `REDIS_URL`, or the cluster of
 * `REDIS_CLUSTER_NODES` (each node's connection takes `options`). A cluster connection that may
 * not retry (`retryStrategy: () => null`) gives up on the cluster the same way.
 */
export function connectRedis(
  redis: AppConfig['redis'],
  options: RedisOptions = {},
): RedisConnection {
  if (!redis.clusterNodes) return new Redis(redis.url, options);
  const { retryStrategy, lazyConnect, ...nodeOptions } = options;
  return new Cluster(redis.clusterNodes, {
    redisOptions: nodeOptions,
    lazyConnect,
    // A slot's owner that moved is asked again (MOVED/ASK); a node lost is retried like a server.
    clusterRetryStrategy: retryStrategy ? (times) => retryStrategy(times) ?? null : undefined,
    enableReadyCheck: options.enableReadyCheck ?? true,
  });
}

/**
 * The key prefix of Bull's queues. In a cluster it is a hash tag (`{tenantops}`): every key of a
 * queue then lives in one slot, which Bull's multi-key Lua scripts and MULTI need.
 */
export function queueKeyPrefix(redis: AppConfig['redis']): string {
  return redis.clusterNodes ? `{${redis.prefix}}` : redis.prefix;
}

/**
 * The cluster connections made for Bull (which does not close connections it did not make), closed
 * once the queues are (application shutdown runs after every module's destroy hook).
 */
@Injectable()
export class QueueConnections implements OnApplicationShutdown {
  private readonly open = new Set<RedisConnection>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Bull's `createClient`: a blocking or subscribing connection must wait, never fail a command. */
  create(type: 'client' | 'subscriber' | 'bclient'): RedisConnection {
    const connection = connectRedis(
      this.config.redis,
      type === 'client' ? {} : { maxRetriesPerRequest: null, enableReadyCheck: false },
    );
    this.open.add(connection);
    return connection;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(
      [...this.open].map(async (connection) => {
        this.open.delete(connection);
        if (connection.status === 'end') return;
        await connection.quit().catch(() => connection.disconnect());
      }),
    );
  }
}
