import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bull';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';
import { QueueConnections, queueKeyPrefix } from './redis-connections.js';

@Module({ providers: [QueueConnections], exports: [QueueConnections] })
class QueueConnectionsModule {}

/**
 * Bull on Redis, shared by every queue. Families only call `BullModule.registerQueue`; the
 * connection and the key prefix (per deployment, per test worker) are set here once. Against a
 * Redis Cluster (`REDIS_CLUSTER_NODES`) Bull gets cluster connections and a hash-tagged prefix.
 */
@Module({
  imports: [
    BullModule.forRootAsync({
      imports: [QueueConnectionsModule],
      inject: [APP_CONFIG, QueueConnections],
      useFactory: (config: AppConfig, connections: QueueConnections) =>
        config.redis.clusterNodes
          ? {
              prefix: queueKeyPrefix(config.redis),
              createClient: (type: 'client' | 'subscriber' | 'bclient') => connections.create(type),
            }
          : { url: config.redis.url, prefix: config.redis.prefix },
    }),
  ],
})
export class QueueModule {}
