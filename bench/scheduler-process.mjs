/* global process, setTimeout -- Node.js globals (the ESLint config declares them for *.js only) */
/**
 * One scheduler process for bench/scheduler.mjs: the product as `scheduler:tick` boots it (no
 * role: no HTTP, no worker, no clock), waiting until `BENCH_START_AT` (epoch ms) so that every
 * process ticks at the same moment, then one `SchedulerService.tick(BENCH_NOW)`. Counts the
 * statements it sends to PostgreSQL (each a round trip) by wrapping pg's `Client.query`.
 * Prints `BENCH_READY 0` once booted and one JSON line with its figures when done.
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { countStatements, loadBuilt } from './child.mjs';

const statements = countStatements();

const { NestFactory } = await import('@nestjs/core');
const { parseConfig } = await loadBuilt('libs/common/config/index.js');
const { AppModule } = await loadBuilt('src/app.module.js');
const { SchedulerService } = await loadBuilt('src/scheduler/index.js');

const config = parseConfig(process.env);
const app = await NestFactory.createApplicationContext(
  AppModule.forRoot({ ...config, roles: [] }),
  { logger: false, abortOnError: false },
);
await app.init();
const scheduler = app.get(SchedulerService);
process.stdout.write('BENCH_READY 0\n');

const startAt = Number(process.env.BENCH_START_AT);
await new Promise((done) => setTimeout(done, Math.max(0, startAt - Date.now())));
const before = statements();
const started = performance.timeOrigin + performance.now();
const report = await scheduler.tick(new Date(process.env.BENCH_NOW));
const finished = performance.timeOrigin + performance.now();
process.stdout.write(
  `${JSON.stringify({
    startedAt: started,
    finishedAt: finished,
    created: report.created.filter((run) => run.type === 'backup_schedule_run').length,
    deduplicated: report.deduplicated,
    statements: statements() - before,
  })}\n`,
);
await app.close();
