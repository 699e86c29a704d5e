/* global process, URL -- Node.js globals (the ESLint config declares them for *.js only) */
/**
 * One product process for bench/execute.mjs and bench/fleet.mjs, booted exactly as
 * `node dist/src/main.js` boots it (createApp, configuration from the environment — APP_ROLES
 * says `worker` or `scheduler`), plus the test-only probe run types. Counts the statements it
 * sends to PostgreSQL (each a round trip) by wrapping pg's `Client.query`. Prints
 * `BENCH_READY 0` once booted, and on SIGWINCH (a signal Nest's shutdown hooks leave alone, unlike
 * SIGUSR2) one line
 * `BENCH_STATS {"statements","maxRssBytes","rssBytes"}`.
 */
import 'reflect-metadata';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';

const dist = resolve(
  import.meta.dirname ?? new URL('.', import.meta.url).pathname,
  '..',
  process.env.BENCH_DIST ?? 'dist',
);
const load = (file) => import(pathToFileURL(resolve(dist, file)).href);

let statements = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(...args) {
  statements++;
  return query.apply(this, args);
};

const { parseConfig } = await load('libs/common/config/index.js');
const { createApp } = await load('src/app.factory.js');
const { ProbeRunsModule } = await load('test/support/probe-runs.module.js');

process.on('SIGWINCH', () => {
  process.stdout.write(
    `BENCH_STATS ${JSON.stringify({
      statements,
      // resourceUsage().maxRSS is in KiB.
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      rssBytes: process.memoryUsage.rss(),
    })}\n`,
  );
});

const config = parseConfig(process.env);
const app = await createApp(config, { extraModules: [ProbeRunsModule] });
await app.init();
process.stdout.write('BENCH_READY 0\n');
