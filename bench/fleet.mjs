/* global process, setTimeout, fetch, AbortSignal -- Node.js globals (the ESLint config declares them for *.js only) */
/**
 * The night every customer's backup fires at once: `BENCH_TENANTS` tenants (1,000) with
 * `BENCH_POLICIES` policies each (100) and a nightly backup schedule on the same minute; the
 * simulated Graph answering after 30 ms with a per-tenant token bucket; one scheduler and two
 * worker processes. Reports fire → last run created, fire → last run completed, the lower bound
 * of that makespan from the configured concurrency and the bucket, the 429s and the requests
 * that arrived inside a Retry-After window, and the workers' peak RSS. See bench/README.md.
 * Writes bench/results/fleet.json.
 *
 *   npm run build && npx swc test/support -d dist --quiet && node bench/fleet.mjs
 *
 * Env (all optional): BENCH_TENANTS (1000), BENCH_POLICIES (100), BENCH_WORKERS (2),
 * BENCH_CONCURRENCY (64: WORKER_CONCURRENCY), BENCH_PER_TENANT (4: GRAPH_CONCURRENCY_PER_TENANT),
 * BENCH_LATENCY_MS (30), BENCH_BUCKET_REQUESTS (60), BENCH_BUCKET_WINDOW_SECONDS (20),
 * BENCH_WORKER_NODE_OPTIONS (the workers' NODE_OPTIONS), BENCH_WORKER_ENV (a JSON object of more
 * variables for the workers, e.g. '{"MALLOC_ARENA_MAX":"2"}' as a diagnostic), BENCH_RESULT_NAME
 * (fleet).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { Agent, request } from 'undici';
import {
  BENCH_DIR,
  DIST,
  REDIS_URL,
  SECRETS_KEY,
  coresByRole,
  cpuMonitor,
  createProductWorld,
  databaseUrl,
  log,
  machineInfo,
  requireBuild,
  round,
  runBenchmark,
  startProductApi,
  startServer,
  uniqueRedisPrefix,
  waitForQuiet,
  writeResult,
} from './lib.mjs';

const env = process.env;
const TENANTS = Number(env.BENCH_TENANTS ?? 1000);
const POLICIES = Number(env.BENCH_POLICIES ?? 100);
const WORKERS = Number(env.BENCH_WORKERS ?? 2);
const CONCURRENCY = Number(env.BENCH_CONCURRENCY ?? 64);
const PER_TENANT = Number(env.BENCH_PER_TENANT ?? 4);
const LATENCY_MS = Number(env.BENCH_LATENCY_MS ?? 30);
const BUCKET = Number(env.BENCH_BUCKET_REQUESTS ?? 60);
const WINDOW_SECONDS = Number(env.BENCH_BUCKET_WINDOW_SECONDS ?? 20);
if (TENANTS > 5000 || POLICIES > 1000 || WORKERS > 8 || CONCURRENCY > 1024)
  throw new Error('Refusing: keep it bounded (≤ 5,000 tenants, ≤ 1,000 policies, ≤ 8 workers).');
const SIM_SECRET = `bench-sim-secret-${randomUUID()}`;
const WORKER_ENV = JSON.parse(env.BENCH_WORKER_ENV ?? '{}');
const GOALS = { createdWithinSeconds: 5, makespanOverBound: 1.5, peakRssMiB: 512 };
const FIRE = '2026-12-03T02:00:00.000Z';

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

async function sql(dbName, text, params) {
  const client = new pg.Client({ connectionString: databaseUrl(dbName) });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** POLICIES spread over the seven policy collections in the sim's default proportions. */
function policySizes() {
  const weights = {
    deviceConfigurations: 30,
    configurationPolicies: 30,
    deviceCompliancePolicies: 12,
    groupPolicyConfigurations: 12,
    iosManagedAppProtections: 6,
    androidManagedAppProtections: 6,
    deviceEnrollmentConfigurations: 8,
  };
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  const sizes = Object.fromEntries(
    Object.entries(weights).map(([k, w]) => [k, Math.floor((POLICIES * w) / total)]),
  );
  let left = POLICIES - Object.values(sizes).reduce((a, b) => a + b, 0);
  for (const key of Object.keys(sizes)) if (left-- > 0) sizes[key]++;
  return { ...sizes, groups: 0, entraRoleDefinitions: 0, intuneRoleDefinitions: 0 };
}

/** The statistics line a bench process prints on SIGWINCH. */
async function statsOf(server) {
  const seen = server.output().split('BENCH_STATS ').length;
  process.kill(server.pid, 'SIGWINCH');
  for (let waited = 0; waited < 10_000; waited += 20) {
    const parts = server.output().split('BENCH_STATS ');
    if (parts.length > seen) return JSON.parse(parts[parts.length - 1].split('\n')[0]);
    await sleep(20);
  }
  throw new Error(`no stats from ${server.pid}`);
}

/** Runs `task` over `items`, `width` at a time. */
async function pool(items, width, task) {
  let next = 0;
  const results = new Array(items.length);
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index], index);
      }
    }),
  );
  return results;
}

await runBenchmark('fleet', 30 * 60_000, async () => {
  requireBuild();
  const dbName = `tenantops_bench_${Date.now()}_fleet`;
  const world = await createProductWorld(dbName);
  const prefix = uniqueRedisPrefix();

  const sim = startServer(
    join(BENCH_DIR, 'sim-process.mjs'),
    {
      BENCH_DIST: DIST,
      BENCH_SIM_SECRET: SIM_SECRET,
      BENCH_SIM_SIZES: JSON.stringify(policySizes()),
      BENCH_SIM_LATENCY_MS: String(LATENCY_MS),
      BENCH_SIM_THROTTLE_REQUESTS: String(BUCKET),
      BENCH_SIM_THROTTLE_WINDOW_SECONDS: String(WINDOW_SECONDS),
    },
    { label: 'simulated Graph' },
  );
  await sim.ready;
  const { url: simUrl, caCert } = JSON.parse(sim.output().split('BENCH_SIM ')[1].split('\n')[0]);
  const simAgent = new Agent({ connect: { ca: readFileSync(caCert, 'utf8') } });

  // Tenants through the real API, each bound to its own generated tenant in the sim.
  const api = await startProductApi(world.url, prefix);
  const entraIds = Array.from({ length: TENANTS }, () => randomUUID());
  const tenantIds = await pool(entraIds, 8, async (entraTenantId, i) => {
    const response = await fetch(`${api.base}/workspaces/${world.workspaceId}/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        displayName: `Customer ${i + 1}`,
        entraTenantId,
        clientId: randomUUID(),
        clientSecret: SIM_SECRET,
      }),
      signal: AbortSignal.timeout(30_000),
    });
    if (response.status !== 201) throw new Error(`tenant: ${response.status}`);
    return (await response.json()).id;
  });
  await api.stop();
  // Each sim tenant generated before the night (the sim makes a tenant on first sight).
  await pool(entraIds, 8, async (id) => {
    const response = await request(`${simUrl}/_sim/tenants/${id}`, { dispatcher: simAgent });
    await response.body.text();
  });
  log(`${TENANTS} tenants with ${POLICIES} policies each`);
  await sql(
    dbName,
    `INSERT INTO backup_schedules (id, workspace_id, tenant_id, name, enabled, cron, timezone,
                                   keep_last, overlap_policy, next_fire_at)
     SELECT gen_random_uuid(), $1, t, 'Nightly', true, '0 2 * * *', 'UTC', 10, 'skip', $3
       FROM unnest($2::uuid[]) t`,
    [world.workspaceId, tenantIds, FIRE],
  );
  await sql(dbName, `VACUUM ANALYZE`);

  const productEnv = {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl(dbName),
    REDIS_URL,
    REDIS_PREFIX: prefix,
    SECRETS_KEY,
    LOG_LEVEL: 'error',
    BENCH_DIST: DIST,
    GRAPH_BASE_URL: simUrl,
    GRAPH_LOGIN_URL: simUrl,
    GRAPH_CA_CERT: caCert,
  };
  const workers = Array.from({ length: WORKERS }, (_, i) =>
    startServer(
      join(BENCH_DIR, 'worker-process.mjs'),
      {
        ...productEnv,
        APP_ROLES: 'worker',
        WORKER_CONCURRENCY: String(CONCURRENCY),
        ...(env.BENCH_WORKER_NODE_OPTIONS ? { NODE_OPTIONS: env.BENCH_WORKER_NODE_OPTIONS } : {}),
        GRAPH_CONCURRENCY_PER_TENANT: String(PER_TENANT),
        ...WORKER_ENV,
      },
      { label: `worker ${i + 1}` },
    ),
  );
  await Promise.all(workers.map((w) => w.ready));
  const quiet = await waitForQuiet();
  const fireAt = Date.now() + 15_000;
  const scheduler = startServer(
    join(BENCH_DIR, 'scheduler-process.mjs'),
    {
      ...productEnv,
      BENCH_START_AT: String(fireAt),
      BENCH_NOW: new Date(Date.parse(FIRE) + 30_000).toISOString(),
    },
    { label: 'scheduler' },
  );
  await scheduler.ready;
  if (Date.now() > fireAt) throw new Error('The scheduler booted after the fire.');
  const monitor = cpuMonitor();
  await sleep(fireAt - Date.now());
  let completed = 0;
  for (;;) {
    [{ n: completed }] = await sql(
      dbName,
      `SELECT count(*)::int AS n FROM operation_runs
        WHERE type = 'backup_schedule_run' AND status = 'completed'`,
    );
    if (completed === TENANTS) break;
    if (Date.now() - fireAt > 25 * 60_000) throw new Error(`only ${completed} runs completed`);
    await sleep(500);
  }
  const cores = coresByRole(
    monitor.before,
    monitor.stop(),
    { workers: workers.map((w) => w.pid), sim: [sim.pid], scheduler: [scheduler.pid] },
    { other: 'other' },
  );
  const [simStats, ...workerStats] = await Promise.all([sim, ...workers].map(statsOf));
  const [runs] = await sql(
    dbName,
    `SELECT count(*)::int AS runs,
            extract(epoch FROM max(created_at)) * 1000 AS "lastCreatedMs",
            extract(epoch FROM max(completed_at)) * 1000 AS "lastCompletedMs"
       FROM operation_runs WHERE type = 'backup_schedule_run'`,
  );
  const outcomes = Object.fromEntries(
    (
      await sql(
        dbName,
        `SELECT outcome, count(*)::int AS n FROM operation_runs
          WHERE type = 'backup_schedule_run' GROUP BY outcome`,
      )
    ).map((row) => [row.outcome, row.n]),
  );
  const [sets] = await sql(
    dbName,
    `SELECT count(*)::int AS sets, coalesce(sum(item_count), 0)::int AS items FROM backup_sets`,
  );

  // The lower bound. Each tenant's backup needs N Graph requests (those the sim answered, not
  // counting 429s). A tenant's bucket holds BUCKET and refills at BUCKET / WINDOW_SECONDS per
  // second, so its run lasts at least (N − BUCKET) × WINDOW_SECONDS / BUCKET; and at least
  // N × LATENCY_MS / PER_TENANT (at most PER_TENANT requests in flight, each LATENCY_MS). Each run
  // holds one of WORKERS × CONCURRENCY slots for all that time, so some slot runs
  // ceil(TENANTS / slots) of them one after another: that many times the per-tenant bound.
  const answered = simStats.requests - simStats.throttled;
  const perTenantRequests = answered / TENANTS;
  const bucketSeconds = (Math.max(0, perTenantRequests - BUCKET) * WINDOW_SECONDS) / BUCKET;
  const latencySeconds = (perTenantRequests * LATENCY_MS) / PER_TENANT / 1000;
  const perTenantSeconds = Math.max(bucketSeconds, latencySeconds);
  const slots = WORKERS * CONCURRENCY;
  const boundSeconds = Math.ceil(TENANTS / slots) * perTenantSeconds;
  const makespanSeconds = (runs.lastCompletedMs - fireAt) / 1000;
  const createdSeconds = (runs.lastCreatedMs - fireAt) / 1000;
  const arrivals = simStats.arrivalsInWindows;
  const early = arrivals.reduce((sum, n) => sum + Math.max(0, n - (PER_TENANT - 1)), 0);
  const peakRssMiB = workerStats.map((s) => round(s.maxRssBytes / 2 ** 20, 1));
  const summary = {
    fireToLastRunCreatedSeconds: round(createdSeconds, 3),
    fireToLastRunCompletedSeconds: round(makespanSeconds, 1),
    lowerBoundSeconds: round(boundSeconds, 1),
    makespanOverBound: round(makespanSeconds / boundSeconds, 3),
    graphRequestsAnswered: answered,
    graphRequestsPerTenant: round(perTenantRequests, 1),
    throttled429: simStats.throttled,
    retryAfterWindows: simStats.windows,
    requestsSentInsideRetryAfterWindow: early,
    mostArrivalsInOneWindow: arrivals.length ? Math.max(...arrivals) : 0,
    workerPeakRssMiB: peakRssMiB,
    // process.memoryUsage() at each worker's highest sampled rss: what the rss is made of.
    // ...and once every run has completed: what the process keeps between nights.
    // (`live`: after a full GC, when the workers run with --expose-gc.)
    workerMemoryAtEndMiB: workerStats.map(({ memory }) =>
      Object.fromEntries(
        Object.entries({ ...memory.now, liveHeapUsed: memory.live?.heapUsed ?? NaN }).map(
          ([k, bytes]) => [k, round(bytes / 2 ** 20, 1)],
        ),
      ),
    ),
    workerMemoryAtPeakMiB: workerStats.map(({ memory }) => ({
      ...Object.fromEntries(
        Object.entries(memory.atPeakRss)
          .filter(([k]) => k !== 'at')
          .map(([k, bytes]) => [k, round(bytes / 2 ** 20, 1)]),
      ),
      secondsAfterFire: round((memory.atPeakRss.at - fireAt) / 1000, 1),
      heapSpaces: Object.fromEntries(
        Object.entries(memory.heapSpaces).map(([k, bytes]) => [k, round(bytes / 2 ** 20, 1)]),
      ),
    })),
    outcomes,
    backupSets: sets.sets,
    backupItems: sets.items,
    // Each worker's memory every 5 s: [seconds after the fire, rss, heapTotal, heapUsed, external] (MiB).
    workerMemorySeriesMiB: workerStats.map(({ memory }) =>
      memory.series
        .filter(([at]) => at >= fireAt - 5000)
        .map(([at, ...bytes]) => [
          round((at - fireAt) / 1000, 0),
          ...bytes.map((b) => round(b / 2 ** 20, 0)),
        ]),
    ),
    workerStatementsPerRun: round(
      workerStats.reduce((sum, s) => sum + s.statements, 0) / TENANTS,
      1,
    ),
    goals: {
      lastRunCreated: `within ${GOALS.createdWithinSeconds} s of the fire`,
      makespan: `within ${GOALS.makespanOverBound}× of the lower bound`,
      requestsInsideRetryAfter: 0,
      peakRss: `under ${GOALS.peakRssMiB} MiB per worker`,
    },
    met: {
      lastRunCreated: createdSeconds <= GOALS.createdWithinSeconds,
      makespan: makespanSeconds / boundSeconds <= GOALS.makespanOverBound,
      requestsInsideRetryAfter: early === 0,
      peakRss: peakRssMiB.every((mib) => mib < GOALS.peakRssMiB),
      allSucceeded: outcomes.succeeded === TENANTS && sets.items === TENANTS * POLICIES,
    },
  };
  log(`fleet: ${JSON.stringify(summary)}`);
  await Promise.all([scheduler, ...workers].map((p) => p.stop()));
  await simAgent.close();
  writeResult(env.BENCH_RESULT_NAME ?? 'fleet', {
    benchmark: 'fleet',
    machine: await machineInfo(),
    settings: {
      tenants: TENANTS,
      policiesPerTenant: POLICIES,
      simSizesPerTenant: policySizes(),
      workers: WORKERS,
      workerConcurrency: CONCURRENCY,
      graphConcurrencyPerTenant: PER_TENANT,
      workerNodeOptions: env.BENCH_WORKER_NODE_OPTIONS ?? null,
      workerEnv: WORKER_ENV,
      simLatencyMs: LATENCY_MS,
      bucket: { requests: BUCKET, windowSeconds: WINDOW_SECONDS },
      schedule:
        "one per tenant, '0 2 * * *' UTC, all due at the same fire; one scheduler process ticks at the fire (bench/scheduler-process.mjs)",
      lowerBound:
        'ceil(tenants / (workers × WORKER_CONCURRENCY)) × max((N − bucket) × window / bucket, N × latency / GRAPH_CONCURRENCY_PER_TENANT), N = Graph requests the sim answered per tenant (429s not counted); CPU is not in it',
      requestsSentInsideRetryAfterWindow:
        'per tenant window (first 429 → latest Retry-After end), the requests that arrived at the sim beyond the GRAPH_CONCURRENCY_PER_TENANT − 1 already in flight when the first 429 was answered',
    },
    summary,
    cores,
    machineBefore: quiet,
    sim: {
      ...simStats,
      arrivalsInWindows: undefined,
      maxRssMiB: round(simStats.maxRssBytes / 2 ** 20, 1),
    },
  });
});
