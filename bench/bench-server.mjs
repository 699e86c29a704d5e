/* global process -- Node.js globals (the ESLint config declares them for *.js only) */
/**
 * The product's HTTP API exactly as `node dist/src/main.js` boots it (same createApp, same
 * configuration from the environment), plus the test-only probe run types so the benchmarks can
 * start runs without a real run family. Needs the build: `npm run build` and
 * `npx swc test/support -d dist --quiet` (or BENCH_DIST naming a copy of that dist/).
 * Prints `BENCH_READY <port>` once listening.
 */
import 'reflect-metadata';
import { loadBuilt } from './child.mjs';

const { parseConfig } = await loadBuilt('libs/common/config/index.js');
const { createApp } = await loadBuilt('src/app.factory.js');
const { ProbeRunsModule } = await loadBuilt('test/support/probe-runs.module.js');

const config = parseConfig(process.env);
const app = await createApp(config, { extraModules: [ProbeRunsModule] });
if (config.roles.includes('api')) {
  await app.listen(config.http.port, config.http.host);
  const { port } = app.getHttpServer().address();
  process.stdout.write(`BENCH_READY ${port}\n`);
} else {
  await app.init();
  process.stdout.write('BENCH_READY 0\n');
}
