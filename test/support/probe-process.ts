/**
 * A product process with the probe run types loaded, for tests that need real separate
 * processes. Built into dist/ by `npm test` (pretest).
 *
 *   node dist/test/support/probe-process.js worker          consume the queues until killed
 *   node dist/test/support/probe-process.js start-strict    start one strict probe run at START_AT,
 *                                                           print { id, deduplicated }
 *   node dist/test/support/probe-process.js boot VARIANT    boot with a module set of BOOT_VARIANTS
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import pino from 'pino';
import { parseConfig } from '#libs/common/config';
import { OperationRunsService } from '#libs/operation-runs';
import { AppModule } from '../../src/app.module.js';
import { BOOT_VARIANTS } from './broken-run-types.js';
import { ProbeRunsModule } from './probe-runs.module.js';

async function main(): Promise<void> {
  const [mode, variant] = process.argv.slice(2);
  const config = parseConfig(process.env);
  const modules =
    mode === 'boot' ? BOOT_VARIANTS[variant as keyof typeof BOOT_VARIANTS] : [ProbeRunsModule];
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot(
      { ...config, roles: mode === 'worker' ? ['worker'] : [] },
      {
        extraModules: modules,
        logging: { destination: pino.destination({ dest: 2, sync: true }) },
      },
    ),
    { logger: false, abortOnError: false },
  );
  await app.init();
  if (mode === 'boot') {
    process.stdout.write('booted\n');
    await app.close();
    return;
  }
  if (mode === 'worker') {
    process.stdout.write('worker ready\n');
    return;
  }
  const startAt = Number(process.env.START_AT ?? 0);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
  const { run, deduplicated } = await app.get(OperationRunsService).start({
    type: 'probe_strict',
    workspaceId: process.env.WORKSPACE_ID!,
    tenantId: process.env.TENANT_ID!,
    inputs: { key: process.env.PROBE_KEY! },
    initiator: null,
  });
  process.stdout.write(`${JSON.stringify({ id: run.id, deduplicated })}\n`);
  await app.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
