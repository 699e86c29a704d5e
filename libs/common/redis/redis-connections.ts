import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';

/** How long a queue connection's `QUIT` may take at shutdown before the connection is cut. */
const QUIT_TIMEOUT_MS = 1000;

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
 * at application shutdown. Nest runs the modules' shutdown hooks in no order that puts the queues
 * first, so a queue may still hold its blocking connection here: a `QUIT` would wait behind each of
 * its pending `BRPOPLPUSH` (one per processing slot, up to Bull's drain delay each). A connection
 * that has not said goodbye within {@link QUIT_TIMEOUT_MS} is disconnected. (Workers close their
 * queues before shutdown, so there it does not come to that.)
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
        const quit = connection.quit().then(() => true);
        const said = await Promise.race([quit.catch(() => false), delay(QUIT_TIMEOUT_MS, false)]);
        if (!said) connection.disconnect();
      }),
    );
  }
}
