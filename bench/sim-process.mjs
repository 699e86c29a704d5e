/* global process, URL -- Node.js globals (the ESLint config declares them for *.js only) */
/**
 * The simulated Graph for bench/fleet.mjs, from the build (`dist/libs/graph-sim`), on loopback:
 * every tenant with `BENCH_SIM_SIZES` (JSON, per resource), `BENCH_SIM_LATENCY_MS` before each
 * answer and a token bucket of `BENCH_SIM_THROTTLE_REQUESTS` per `BENCH_SIM_THROTTLE_WINDOW_SECONDS`.
 * Prints `BENCH_SIM {"url","caCert"}` and then `BENCH_READY <port>`; on SIGWINCH one line
 * `BENCH_STATS {...throttle stats, maxRssBytes}`.
 */
import { loadBuilt } from './child.mjs';

const { startGraphSim } = await loadBuilt('libs/graph-sim/index.js');

const sim = await startGraphSim({
  clientSecret: process.env.BENCH_SIM_SECRET,
  host: '127.0.0.1',
  sizes: JSON.parse(process.env.BENCH_SIM_SIZES ?? '{}'),
  latencyMs: Number(process.env.BENCH_SIM_LATENCY_MS ?? 0),
  throttle: process.env.BENCH_SIM_THROTTLE_REQUESTS
    ? {
        requests: Number(process.env.BENCH_SIM_THROTTLE_REQUESTS),
        windowSeconds: Number(process.env.BENCH_SIM_THROTTLE_WINDOW_SECONDS ?? 20),
      }
    : undefined,
});
process.on('SIGWINCH', () => {
  process.stdout.write(
    `BENCH_STATS ${JSON.stringify({
      ...sim.throttleStats(),
      ...sim.load(),
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
    })}\n`,
  );
});
const stop = () => void sim.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdout.write(`BENCH_SIM ${JSON.stringify({ url: sim.url, caCert: sim.caCert })}\n`);
process.stdout.write(`BENCH_READY ${new URL(sim.url).port}\n`);
