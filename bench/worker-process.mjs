/* global process, setInterval -- Node.js globals (the ESLint config declares them for *.js only) */
/**
 * One product process for bench/execute.mjs and bench/fleet.mjs, booted exactly as
 * `node dist/src/main.js` boots it (createApp, configuration from the environment — APP_ROLES
 * says `worker` or `scheduler`), plus the test-only probe run types. Counts the statements it
 * sends to PostgreSQL (each a round trip) by wrapping pg's `Client.query`. Prints
 * `BENCH_READY 0` once booted, and on SIGWINCH (a signal Nest's shutdown hooks leave alone, unlike
 * SIGUSR2) one line
 * `BENCH_STATS {"statements","maxRssBytes","rssBytes","memory"}`: `memory` is
 * `process.memoryUsage()` sampled every 250 ms — `atPeakRss` (the sample with the highest rss,
 * so its parts add up; `heapSpaces`, V8's spaces then), `live` (after a full GC, when the
 * process has --expose-gc), `series` (every 5 s), `peak` (each field's own highest value) and `now`.
 */
import 'reflect-metadata';
import { getHeapSpaceStatistics } from 'node:v8';
import { countStatements, loadBuilt } from './child.mjs';

const statements = countStatements();

const { parseConfig } = await loadBuilt('libs/common/config/index.js');
const { createApp } = await loadBuilt('src/app.factory.js');
const { ProbeRunsModule } = await loadBuilt('test/support/probe-runs.module.js');

/** Where the memory is (rss vs V8's heap vs buffers outside it), at the rss peak and per field. */
const memory = {
  atPeakRss: { ...process.memoryUsage(), at: Date.now() },
  peak: process.memoryUsage(),
  heapSpaces: {},
  /** Every 5 s: [time, rss, heapTotal, heapUsed, external] (bytes), to see when the peak comes. */
  series: [],
};
let samples = 0;
const sampleMemory = () => {
  const now = process.memoryUsage();
  if (samples++ % 20 === 0 && memory.series.length < 2000) {
    memory.series.push([Date.now(), now.rss, now.heapTotal, now.heapUsed, now.external]);
  }
  if (now.rss > memory.atPeakRss.rss) {
    memory.atPeakRss = { ...now, at: Date.now() };
    // V8's spaces (new space = the young generation) at that moment: committed bytes.
    memory.heapSpaces = Object.fromEntries(
      getHeapSpaceStatistics().map((s) => [s.space_name, s.physical_space_size]),
    );
  }
  for (const [field, bytes] of Object.entries(now)) {
    memory.peak[field] = Math.max(memory.peak[field], bytes);
  }
  return now;
};
setInterval(sampleMemory, 250).unref();

process.on('SIGWINCH', () => {
  const now = sampleMemory();
  // With --expose-gc (BENCH_WORKER_NODE_OPTIONS): what is still reachable, garbage collected.
  globalThis.gc?.();
  const live = globalThis.gc ? process.memoryUsage() : null;
  process.stdout.write(
    `BENCH_STATS ${JSON.stringify({
      statements: statements(),
      // resourceUsage().maxRSS is in KiB.
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      rssBytes: now.rss,
      memory: { ...memory, now, live },
    })}\n`,
  );
});

const config = parseConfig(process.env);
const app = await createApp(config, { extraModules: [ProbeRunsModule] });
await app.init();
process.stdout.write('BENCH_READY 0\n');
