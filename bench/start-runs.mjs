/* global process, fetch, AbortSignal -- Node.js globals (the ESLint config declares them for *.js only) */
/**
 * Start-route throughput and latency against a floor measured in the same run, plus a dedupe
 * storm. See bench/README.md. Writes bench/results/start-runs.json.
 *
 *   npm run build && npx swc test/support -d dist --quiet && node bench/start-runs.mjs
 *
 * Env (all optional): BENCH_CONNECTIONS (64), BENCH_WARMUP_SECONDS (3), BENCH_DURATION_SECONDS (10),
 * BENCH_POOL_SIZE (10, both servers), BENCH_STORM (1000), BENCH_RATE (fixed-rate phase; default half
 * the product's saturated throughput), BENCH_ROUNDS (3; figures are medians over the rounds).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  BENCH_DIR,
  cannon,
  coresUsed,
  cpuMonitor,
  createDatabase,
  createProductWorld,
  createTenant,
  log,
  loadReport,
  machineInfo,
  paced,
  REDIS_URL,
  requireBuild,
  runBenchmark,
  startProductApi,
  startServer,
  summarize,
  uniqueRedisPrefix,
  waitForQuiet,
  writeResult,
} from './lib.mjs';
import { join } from 'node:path';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const DURATION_SECONDS = Number(process.env.BENCH_DURATION_SECONDS ?? 10);
const POOL_SIZE = String(process.env.BENCH_POOL_SIZE ?? 10);
const STORM = Number(process.env.BENCH_STORM ?? 1000);
const RATE = process.env.BENCH_RATE ? Number(process.env.BENCH_RATE) : undefined;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** A measured phase disturbed by other processes is measured again, up to this many times. */
const ATTEMPTS = 2;
if (
  DURATION_SECONDS > 60 ||
  WARMUP_SECONDS > 30 ||
  CONNECTIONS > 1024 ||
  STORM > 5000 ||
  RATE > 50_000 ||
  ROUNDS > 5
) {
  throw new Error(
    'Refusing: keep the load bounded (duration ≤ 60 s, warm-up ≤ 30 s, ≤ 1024 connections, storm ≤ 5000).',
  );
}

const GOALS = { throughputRatio: 0.7, p99Ms: 25 };
const BODY = JSON.stringify({ key: 'bench' });

/** Runs `phase` after a quiet check; if something else used the CPU meanwhile, once more. */
async function undisturbed(label, serverPid, phase) {
  let attempt;
  for (let i = 1; i <= ATTEMPTS; i++) {
    const quiet = await waitForQuiet();
    const monitor = cpuMonitor();
    const report = await phase();
    const cores = coresUsed(monitor.before, monitor.stop(), serverPid);
    attempt = { report, cores, quiet, attempts: i };
    if (!cores.disturbed) break;
    if (i < ATTEMPTS) log(`${label}: disturbed by other processes; measuring again`);
  }
  return attempt;
}

/** Warm-up (discarded), then the measured phase at CONNECTIONS closed-loop connections. */
async function measure(label, url, headers, serverPid) {
  log(`${label}: warm-up ${WARMUP_SECONDS} s at ${CONNECTIONS} connections`);
  await cannon({
    url,
    method: 'POST',
    headers,
    body: BODY,
    connections: CONNECTIONS,
    duration: WARMUP_SECONDS,
  });
  const { report, cores, quiet, attempts } = await undisturbed(label, serverPid, async () => {
    log(`${label}: measuring ${DURATION_SECONDS} s at ${CONNECTIONS} connections`);
    return loadReport(
      await cannon({
        url,
        method: 'POST',
        headers,
        body: BODY,
        connections: CONNECTIONS,
        duration: DURATION_SECONDS,
      }),
    );
  });
  log(
    `${label}: ${report.requestsPerSecond} req/s, p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms, non-2xx ${report.non2xx}, errors ${report.errors}; cores ${JSON.stringify(cores)}`,
  );
  return {
    url: url.replace(/\/tenants\/[^/]+/, '/tenants/{tenantId}'),
    ...report,
    coresUsedDuringMeasurement: cores,
    serverCpuMsPerRequest: Number(
      ((cores.server * report.durationSeconds * 1000) / report.requests).toFixed(3),
    ),
    machineBefore: quiet,
    attempts,
  };
}

/** Latency at a fixed offered rate (open loop, same rate for both servers): no saturation. */
async function measureAtRate(label, url, headers, serverPid, rate) {
  const { report, cores, quiet, attempts } = await undisturbed(label, serverPid, async () => {
    log(
      `${label}: measuring ${DURATION_SECONDS} s at a fixed ${rate} req/s (evenly spaced, ≤ ${CONNECTIONS} connections)`,
    );
    return loadReport(
      await paced({
        url,
        method: 'POST',
        headers,
        body: BODY,
        rate,
        durationSeconds: DURATION_SECONDS,
        maxSockets: CONNECTIONS,
      }),
    );
  });
  log(
    `${label} @${rate}/s: ${report.requestsPerSecond} req/s, p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms, non-2xx ${report.non2xx}, errors ${report.errors}; cores ${JSON.stringify(cores)}`,
  );
  delete report.autocannon;
  return {
    offeredRate: rate,
    ...report,
    coresUsedDuringMeasurement: cores,
    machineBefore: quiet,
    attempts,
  };
}

/** Median of each headline figure over the rounds (the rounds themselves are kept in full). */
function medians(reports) {
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2
      ? sorted[middle]
      : Number(((sorted[middle - 1] + sorted[middle]) / 2).toFixed(2));
  };
  const latency = (key) => median(reports.map((r) => r.latencyMs[key]));
  return {
    requestsPerSecond: median(reports.map((r) => r.requestsPerSecond)),
    latencyMs: {
      p50: latency('p50'),
      p90: latency('p90'),
      p99: latency('p99'),
      max: latency('max'),
    },
    serverCpuMsPerRequest:
      reports[0].serverCpuMsPerRequest === undefined
        ? undefined
        : median(reports.map((r) => r.serverCpuMsPerRequest)),
    errors: reports.reduce((total, r) => total + r.errors, 0),
    non2xx: reports.reduce((total, r) => total + r.non2xx, 0),
    perRound: reports.map((r) => ({
      requestsPerSecond: r.requestsPerSecond,
      p50: r.latencyMs.p50,
      p99: r.latencyMs.p99,
      disturbed: Boolean(r.coresUsedDuringMeasurement.disturbed),
    })),
  };
}

async function firstStart(url, headers) {
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: BODY,
    signal: AbortSignal.timeout(10_000),
  });
  if (response.status !== 202)
    throw new Error(`${url}: expected 202, got ${response.status} ${await response.text()}`);
}

async function count(databaseUrl, sql, params) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return Number((await client.query(sql, params)).rows[0].count);
  } finally {
    await client.end();
  }
}

await runBenchmark('start-runs', 9 * 60_000, async () => {
  requireBuild();
  const machine = await machineInfo();
  const stamp = Date.now();
  const redisPrefix = uniqueRedisPrefix();
  const jsonHeaders = { 'content-type': 'application/json' };

  // ---- Floor: bare Fastify + one INSERT + one queue.add -------------------------------------
  const floorDb = await createDatabase(`tenantops_bench_${stamp}_floor`);
  const floorServer = startServer(
    join(BENCH_DIR, 'floor-server.mjs'),
    { DATABASE_URL: floorDb, REDIS_URL, REDIS_PREFIX: redisPrefix, DATABASE_POOL_SIZE: POOL_SIZE },
    { label: 'floor server' },
  );
  const floorPort = await floorServer.ready;
  const floorUrl = `http://127.0.0.1:${floorPort}/floor/tenants/${randomUUID()}/request`;
  await firstStart(floorUrl, jsonHeaders);

  // ---- Product: the real API (role api only) with the probe run types -----------------------
  const world = await createProductWorld(`tenantops_bench_${stamp}_app`);
  const api = await startProductApi(world.url, redisPrefix, { DATABASE_POOL_SIZE: POOL_SIZE });
  const tenantId = await createTenant(api.base, world.token, world.workspaceId, 'Bench tenant');
  const authHeaders = { ...jsonHeaders, authorization: `Bearer ${world.token}` };
  const productUrl = `${api.base}/probe/tenants/${tenantId}/request`;
  await firstStart(productUrl, authHeaders);

  // ---- Rounds: floor then product, saturated (64 connections), then both at one fixed rate ---
  // Both servers stay up; the one not under load is idle. The fixed rate (below the product's
  // capacity) shows latency without saturation: at 64 closed-loop connections latency is about
  // 64 / throughput whatever the server does.
  const rounds = [];
  let rate = RATE;
  for (let round = 1; round <= ROUNDS; round++) {
    const floorSaturated = await measure(`floor #${round}`, floorUrl, jsonHeaders, floorServer.pid);
    const productSaturated = await measure(`product #${round}`, productUrl, authHeaders, api.pid);
    rate ??= Math.max(10, Math.floor((productSaturated.requestsPerSecond * 0.5) / 10) * 10);
    const floorAtRate = await measureAtRate(
      `floor #${round}`,
      floorUrl,
      jsonHeaders,
      floorServer.pid,
      rate,
    );
    const productAtRate = await measureAtRate(
      `product #${round}`,
      productUrl,
      authHeaders,
      api.pid,
      rate,
    );
    rounds.push({
      round,
      floor: floorSaturated,
      product: productSaturated,
      floorAtRate,
      productAtRate,
    });
  }
  const floorRows = await count(floorDb, 'SELECT count(*) FROM floor_runs');
  const productRuns = await count(
    world.url,
    `SELECT count(*) FROM operation_runs WHERE type = 'probe_request'`,
  );
  await floorServer.stop();
  const floor = medians(rounds.map((r) => r.floor));
  const product = medians(rounds.map((r) => r.product));
  const floorAtRate = medians(rounds.map((r) => r.floorAtRate));
  const productAtRate = medians(rounds.map((r) => r.productAtRate));

  // ---- Dedupe storm: STORM identical concurrent starts of an `active` run -------------------
  const stormBody = JSON.stringify({ key: 'storm', work: { sleepMs: 60_000 } });
  const runIds = new Map();
  const stormQuiet = await waitForQuiet();
  log(`storm: ${STORM} concurrent identical starts`);
  const stormCpu = cpuMonitor();
  const stormRaw = await cannon(
    {
      url: `${api.base}/probe/tenants/${tenantId}/active`,
      method: 'POST',
      headers: authHeaders,
      body: stormBody,
      connections: STORM,
      amount: STORM,
      timeout: 30,
    },
    {
      onBody: (body) => {
        let id = 'unparseable';
        try {
          id = JSON.parse(body).run?.id ?? 'no run';
        } catch {
          /* counted as unparseable */
        }
        runIds.set(id, (runIds.get(id) ?? 0) + 1);
      },
    },
  );
  const stormCores = coresUsed(stormCpu.before, stormCpu.stop(), api.pid);
  const stormRows = await count(
    world.url,
    `SELECT count(*) FROM operation_runs WHERE type = 'probe_active' AND context ->> 'key' = 'storm'`,
  );
  const storm = {
    requests: stormRaw.samples.length,
    concurrency: STORM,
    body: JSON.parse(stormBody),
    statusCounts: stormRaw.statusCounts,
    errors: stormRaw.result.errors,
    timeouts: stormRaw.result.timeouts,
    durationSeconds: stormRaw.result.duration,
    latencyMs: summarize(stormRaw.samples),
    runRows: stormRows,
    distinctRunIdsInResponses: Object.fromEntries(runIds),
    exactlyOneRun:
      stormRows === 1 &&
      runIds.size === 1 &&
      stormRaw.statusCounts['202'] === 1 &&
      stormRaw.statusCounts['200'] === STORM - 1,
    machineBefore: stormQuiet,
    coresUsedDuringStorm: stormCores,
  };
  log(
    `storm: ${stormRows} run row(s), statuses ${JSON.stringify(storm.statusCounts)}, p99 ${storm.latencyMs.p99} ms`,
  );
  await api.stop();

  const ratio = Number((product.requestsPerSecond / floor.requestsPerSecond).toFixed(3));
  const sum = (key) => rounds.reduce((total, r) => total + r.floor[key] + r.product[key], 0);
  const result = {
    benchmark: 'start-runs',
    machine,
    settings: {
      connections: CONNECTIONS,
      warmupSeconds: WARMUP_SECONDS,
      durationSeconds: DURATION_SECONDS,
      databasePoolSize: Number(POOL_SIZE),
      requestBody: JSON.parse(BODY),
      productRoute:
        'POST /probe/tenants/{tenantId}/request (per_request scope: every request creates a run)',
      productProcess:
        'bench/bench-server.mjs: createApp() as dist/src/main.js, APP_ROLES=api, LOG_LEVEL=warn, NODE_ENV=production, + ProbeRunsModule',
      floorRoute:
        'POST /floor/tenants/{tenantId}/request (bench/floor-server.mjs: Fastify, one INSERT, one Bull queue.add)',
      latency:
        'exact per-request response times from autocannon response events (ms), all status codes',
      rounds: ROUNDS,
      summary: 'medians over the rounds; every round in `rounds`',
    },
    floor: { ...floor, rowsInserted: floorRows },
    product: { ...product, runsCreated: productRuns },
    productOverFloor: {
      throughputRatio: ratio,
      throughputRatioPerRound: rounds.map((r) =>
        Number((r.product.requestsPerSecond / r.floor.requestsPerSecond).toFixed(3)),
      ),
      p50Ratio: Number((product.latencyMs.p50 / floor.latencyMs.p50).toFixed(2)),
      p99Ratio: Number((product.latencyMs.p99 / floor.latencyMs.p99).toFixed(2)),
    },
    atFixedRate: {
      note: "same offered rate for both (default: half the product's saturated throughput in round 1), evenly spaced open-loop requests (node:http keep-alive, ≤ 64 sockets); latency counted from each request's due time",
      rate,
      floor: floorAtRate,
      product: productAtRate,
    },
    storm,
    rounds,
    goals: {
      throughput: {
        goal: `product ≥ ${GOALS.throughputRatio * 100}% of floor req/s`,
        actual: ratio,
        met: ratio >= GOALS.throughputRatio,
      },
      p99: {
        goal: `product p99 ≤ ${GOALS.p99Ms} ms (at ${CONNECTIONS} connections)`,
        actualMs: product.latencyMs.p99,
        floorMs: floor.latencyMs.p99,
        met: product.latencyMs.p99 <= GOALS.p99Ms,
        atFixedRate: {
          rate,
          productMs: productAtRate.latencyMs.p99,
          floorMs: floorAtRate.latencyMs.p99,
          met: productAtRate.latencyMs.p99 <= GOALS.p99Ms,
        },
      },
      noErrors: {
        goal: 'no errors or non-2xx under load',
        met: sum('errors') + sum('non2xx') === 0,
      },
      stormExactlyOneRun: {
        goal: `${STORM} identical starts → 1 run row, one 202 and ${STORM - 1} × 200`,
        met: storm.exactlyOneRun,
      },
    },
  };
  writeResult('start-runs', result);
  process.stdout.write(
    `${JSON.stringify({ ratioPerRound: result.productOverFloor.throughputRatioPerRound, floor: floor.requestsPerSecond, product: product.requestsPerSecond, ratio, productP50: product.latencyMs.p50, productP99: product.latencyMs.p99, floorP50: floor.latencyMs.p50, floorP99: floor.latencyMs.p99, rate, floorAtRateP99: floorAtRate.latencyMs.p99, productAtRateP50: productAtRate.latencyMs.p50, productAtRateP99: productAtRate.latencyMs.p99, stormRows, stormP99: storm.latencyMs.p99 }, null, 2)}\n`,
  );
});
