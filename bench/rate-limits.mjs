/* global process -- Node.js globals (the ESLint config declares them for *.js only) */
/**
 * What the rate limits cost the start route: two API processes of the same deployment (same
 * database, same Redis), one with the default limits (two Redis counts per request) and one with
 * the limits off, loaded one after the other in alternating order, round by round. Only the
 * ratio of the two, measured side by side, means anything on a shared machine. Writes
 * bench/results/rate-limits.json.
 *
 *   npm run build && npx swc test/support -d dist --quiet && node bench/rate-limits.mjs
 *
 * Env (all optional): BENCH_CONNECTIONS (64), BENCH_WARMUP_SECONDS (3), BENCH_DURATION_SECONDS
 * (10), BENCH_ROUNDS (3).
 */
import {
  cannon,
  log,
  loadReport,
  machineInfo,
  requireBuild,
  runBenchmark,
  startProduct,
  startProductApi,
  summarize,
  waitForQuiet,
  writeResult,
} from './lib.mjs';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const DURATION_SECONDS = Number(process.env.BENCH_DURATION_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
if (DURATION_SECONDS > 60 || WARMUP_SECONDS > 30 || CONNECTIONS > 1024 || ROUNDS > 5) {
  throw new Error('Refusing: keep the load bounded (duration ≤ 60 s, ≤ 1024 connections).');
}
const BODY = JSON.stringify({ key: 'bench' });

async function measure(label, url, headers) {
  const options = { url, method: 'POST', headers, body: BODY, connections: CONNECTIONS };
  await cannon({ ...options, duration: WARMUP_SECONDS });
  const machineBefore = await waitForQuiet({ maxWaitMs: 15_000 });
  const report = loadReport(await cannon({ ...options, duration: DURATION_SECONDS }));
  delete report.autocannon;
  log(
    `${label}: ${report.requestsPerSecond} req/s, p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms, non-2xx ${report.non2xx}`,
  );
  return { ...report, machineBefore };
}

await runBenchmark('rate-limits', 9 * 60_000, async () => {
  requireBuild();
  const machine = await machineInfo();
  // One deployment (one database, one Redis prefix), two API processes: default limits, and none.
  const {
    world,
    prefix,
    api: limited,
    tenantIds: [tenantId],
  } = await startProduct('limits', { tenants: 1 });
  const unlimited = await startProductApi(world.url, prefix, {
    RATE_LIMIT_PER_TOKEN: '0',
    RATE_LIMIT_PER_IP: '0',
  });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${world.token}` };
  const url = (api) => `${api.base}/probe/tenants/${tenantId}/request`;

  const rounds = [];
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternating order: neither side always runs on a machine the other has just warmed.
    const order = round % 2 ? ['limited', 'unlimited'] : ['unlimited', 'limited'];
    const measured = {};
    for (const side of order) {
      const api = side === 'limited' ? limited : unlimited;
      measured[side] = await measure(`${side} #${round}`, url(api), headers);
    }
    rounds.push({
      round,
      order,
      ...measured,
      throughputRatio: Number(
        (measured.limited.requestsPerSecond / measured.unlimited.requestsPerSecond).toFixed(3),
      ),
    });
  }
  const ratios = rounds.map((r) => r.throughputRatio);
  const result = {
    benchmark: 'rate-limits',
    recordedAt: new Date().toISOString(),
    machine,
    setup: {
      route: 'POST /probe/tenants/{tenantId}/request (a start, as bench/start-runs.mjs)',
      limited: 'default limits (per token and per address, counted in Redis)',
      unlimited: 'RATE_LIMIT_PER_TOKEN=0, RATE_LIMIT_PER_IP=0',
      connections: CONNECTIONS,
      warmupSeconds: WARMUP_SECONDS,
      durationSeconds: DURATION_SECONDS,
      rounds: ROUNDS,
    },
    rounds,
    limitedOverUnlimited: {
      throughputRatioPerRound: ratios,
      throughputRatioMedian: summarize(ratios).p50,
      p99MsLimited: rounds.map((r) => r.limited.latencyMs.p99),
      p99MsUnlimited: rounds.map((r) => r.unlimited.latencyMs.p99),
    },
  };
  writeResult('rate-limits', result);
  process.stdout.write(`${JSON.stringify(result.limitedOverUnlimited, null, 2)}\n`);
});
