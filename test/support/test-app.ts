import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { parseConfig, type AppConfig } from '#libs/common/config';
import type { AppModuleOptions } from '../../src/app.module.js';
import { createApp } from '../../src/app.factory.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { TEST_REDIS_URL, TEST_SECRETS_KEY, testRunId } from './environment.js';
import { HttpClient } from './http.js';
import { ProbeRunsModule } from './probe-runs.module.js';
import { World } from './world.js';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  http: HttpClient;
  world: World;
  db: TestDatabase;
  /** Every log line the app wrote, as written (JSON text). */
  logs: string[];
  /** Every route the HTTP server registered, as Fastify saw it. */
  routes: { method: string; url: string }[];
  close(): Promise<void>;
}

/**
 * Environment for a process under test: its own database and Redis prefix. The prefix is random:
 * the files a jest worker runs one after another share its pid, and module state (a counter) is
 * fresh in each file, so a pid-and-counter prefix handed the queues of one file's app, and the
 * jobs it left in them, to the next file's app.
 */
export function testEnvironment(
  databaseUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '5',
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: `test:${testRunId()}:${randomBytes(6).toString('hex')}`,
    SECRETS_KEY: TEST_SECRETS_KEY,
    LOG_LEVEL: 'info',
    RUN_HEARTBEAT_SECONDS: '1',
    // Tests see revocations and deletions at once; the cache has its own test.
    AUTH_CACHE_SECONDS: '0',
    // Every process serves its metrics; on a port of its own choosing, as tests run side by side.
    METRICS_PORT: '0',
    ...extra,
  };
}

/** Boots the real AppModule on a loopback port against real PostgreSQL and Redis. */
export interface TestAppOptions {
  /** Load the probe run types (test/support/probe-runs.module.ts). */
  probes?: boolean;
  /** Any other modules to load. */
  extraModules?: NonNullable<AppModuleOptions['extraModules']>;
}

export async function startTestApp(
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const db = await createTestDatabase();
  // No `scheduler` role unless a test asks: a clock ticking in real time would create runs that
  // tests do not expect. Scheduler tests tick explicitly (SchedulerService.tick, scheduler:tick).
  const config = parseConfig(
    testEnvironment(db.url, { HOST: '127.0.0.1', PORT: '0', APP_ROLES: 'api,worker', ...env }),
  );
  const logs: string[] = [];
  const routes: { method: string; url: string }[] = [];
  let app: NestFastifyApplication | undefined;
  try {
    app = await createApp(config, {
      logging: { destination: { write: (line: string) => logs.push(line) } },
      extraModules: [...(options.probes ? [ProbeRunsModule] : []), ...(options.extraModules ?? [])],
      serveMetrics: true,
    });
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRoute', ({ method, url }) => {
        for (const m of [method].flat()) routes.push({ method: m, url });
      });
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    // A failed start leaves nothing open (connections, pools, the database) behind it: the
    // caller has no app to close.
    await app?.close().catch(() => undefined);
    await db.drop();
    throw error;
  }
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    config,
    http: new HttpClient(`http://127.0.0.1:${address.port}`),
    world: new World(app),
    db,
    logs,
    routes,
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}
