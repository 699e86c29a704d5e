/* global process -- Node.js globals (the ESLint config declares them for *.js only) */
/**
 * Starts `BENCH_RUNS` probe runs (`probe_request`, no work) of tenant `BENCH_TENANT_ID` in
 * workspace `BENCH_WORKSPACE_ID` through `OperationRunsService.startMany`, 1,000 per call (one
 * insert and one Bull bulk add each), for bench/execute.mjs. The product as `scheduler:tick`
 * boots it (no role). Prints one JSON line `{ started, seconds }` and exits.
 */
import 'reflect-metadata';
import { loadBuilt } from './child.mjs';

const { NestFactory } = await import('@nestjs/core');
const { parseConfig } = await loadBuilt('libs/common/config/index.js');
const { AppModule } = await loadBuilt('src/app.module.js');
const { OperationRunsService } = await loadBuilt('libs/operation-runs/index.js');
const { ProbeRunsModule } = await loadBuilt('test/support/probe-runs.module.js');

const config = parseConfig(process.env);
const app = await NestFactory.createApplicationContext(
  AppModule.forRoot({ ...config, roles: [] }, { extraModules: [ProbeRunsModule] }),
  { logger: false, abortOnError: false },
);
await app.init();
const runs = app.get(OperationRunsService);
const total = Number(process.env.BENCH_RUNS);
const started = Date.now();
let done = 0;
while (done < total) {
  const batch = Array.from({ length: Math.min(1000, total - done) }, (_, i) => ({
    type: 'probe_request',
    workspaceId: process.env.BENCH_WORKSPACE_ID,
    tenantId: process.env.BENCH_TENANT_ID,
    inputs: { key: `bulk-${done + i}` },
    initiator: null,
  }));
  const results = await runs.startMany(batch);
  done += results.filter((result) => !result.deduplicated).length;
  if (results.length !== batch.length) throw new Error('startMany answered short');
}
process.stdout.write(
  `${JSON.stringify({ started: done, seconds: (Date.now() - started) / 1000 })}\n`,
);
await app.close();
