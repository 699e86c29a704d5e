import type { EventEmitter } from 'node:events';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { migrations } from '../../../migrations/index.js';
import { SnakeNamingStrategy } from './snake-naming.strategy.js';

/** Options shared by the app's connection and the migration runner. Never `synchronize`. */
export function dataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    migrations,
    migrationsTransactionMode: 'each',
    namingStrategy: new SnakeNamingStrategy(),
    extra: {
      max: poolSize,
      application_name: 'tenantops',
      // A connection cut by the server (a restart, pg_terminate_backend) while a caller holds it
      // between two statements emits 'error' with no listener of the pool's attached: Node throws
      // that and the process exits (a soak worker did, on a PostgreSQL restart). The holder still
      // learns of it (its next statement fails and it releases the connection, which the pool
      // then drops); an idle connection's error is the pool's, which TypeORM logs.
      onConnect: (client: EventEmitter) => client.on('error', () => undefined),
    },
  };
}

/** Applies every pending migration; returns the names of those it ran. */
export async function runMigrations(url: string): Promise<string[]> {
  const dataSource = new DataSource(dataSourceOptions(url, 1));
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations();
    return applied.map((migration) => migration.name);
  } finally {
    await dataSource.destroy();
  }
}
