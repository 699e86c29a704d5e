/* global performance -- Node.js globals (the ESLint config declares them for *.js only) */
/**
 * Tenant onboarding against the simulated Graph (its own process, every answer delayed 20 ms):
 *
 * 1. Fifty tenants added at once through `POST /workspaces/{id}/tenants`, each starting its
 *    `provider_connection_verify`: the time until every connection is verified, the Graph
 *    requests each check makes, and that time against its lower bound (each check's Graph reads
 *    one after another, `WORKER_CONCURRENCY` checks at a time).
 * 2. `lastRuns` on the tenants list: a workspace of 200 tenants over 200,000 runs, the list (200
 *    tenants, their newest run of six types each) against one tenant's `GET`, measured side by
 *    side; and the plan of the statement that reads them.
 *
 *   npm run build && npx swc test/support -d dist --quiet && node bench/onboarding.mjs
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  api,
  createTenant,
  graphEnv,
  log,
  machineInfo,
  requireBuild,
  runBenchmark,
  sleep,
  startProduct,
  startSimulatedGraph,
  summarize,
  waitForQuiet,
  writeResult,
} from './lib.mjs';

const ONBOARDED = 50;
const LATENCY_MS = 20;
const WORKER_CONCURRENCY = 4;
const LISTED = 200;
const RUNS = 200_000;
const READS = 200;
const TYPES = [
  'inventory_sync',
  'entra_group_sync',
  'directory_role_definitions_sync',
  'policy_sync',
  'backup_schedule_run',
  'provider_connection_verify',
];

async function onboardFifty({ base, token, workspaceId, sim }) {
  const entraIds = Array.from({ length: ONBOARDED }, () => randomUUID());
  for (const entra of entraIds)
    await sim.control('PUT', `${entra}/faults`, { latencyMs: LATENCY_MS });
  const started = performance.now();
  const created = await Promise.all(
    entraIds.map((entraTenantId, i) =>
      createTenant(base, token, workspaceId, `Customer ${i + 1}`, {
        simulated: true,
        entraTenantId,
      }),
    ),
  );
  const answeredMs = Math.round(performance.now() - started);
  const pending = new Set(created);
  const runs = new Map();
  while (pending.size) {
    if (performance.now() - started > 300_000) throw new Error('verifications did not finish');
    await sleep(50);
    const list = await api(base, token, 'GET', `/workspaces/${workspaceId}/tenants`);
    for (const tenant of list.items) {
      if (pending.has(tenant.id) && tenant.connection.status === 'verified') {
        pending.delete(tenant.id);
        runs.set(tenant.id, tenant.connection.runId);
      }
      if (tenant.connection.status === 'failed')
        throw new Error(`tenant ${tenant.id} failed: ${JSON.stringify(tenant.connection)}`);
    }
  }
  const allVerifiedMs = Math.round(performance.now() - started);
  const durations = [];
  for (const runId of runs.values())
    durations.push((await api(base, token, 'GET', `/operations/${runId}`)).durationMs);
  const { requests } = await sim.control('GET', `${entraIds[0]}/requests`);
  const graphRequests = requests.filter((r) => /^\/(v1\.0|beta)\//.test(r.path)).length;
  const tokenRequests = requests.filter((r) => r.path.includes('/oauth2/v2.0/token')).length;
  // Each check's Graph reads one after another (the sim delays Graph routes, not the token
  // endpoint), WORKER_CONCURRENCY checks at once.
  const lowerBoundMs = Math.ceil(ONBOARDED / WORKER_CONCURRENCY) * graphRequests * LATENCY_MS;
  return {
    tenants: ONBOARDED,
    createAnsweredMs: answeredMs,
    allVerifiedMs,
    runDurationMs: summarize(durations),
    perCheck: { graphRequests, tokenRequests },
    lowerBoundMs,
    ratioToLowerBound: Math.round((allVerifiedMs / lowerBoundMs) * 100) / 100,
  };
}

/** 200 tenants (the API), then 200,000 runs over them and the six types (SQL, as list-runs does). */
async function listWithLastRuns({ base, token, world }) {
  const tenantIds = [];
  for (let i = 0; i < LISTED; i++) {
    tenantIds.push(
      await createTenant(base, token, world.workspaceId, `Listed ${String(i).padStart(3, '0')}`),
    );
  }
  const db = new pg.Client({ connectionString: world.url });
  await db.connect();
  const loadStarted = performance.now();
  await db.query(
    `INSERT INTO operation_runs (id, workspace_id, tenant_id, type, status, outcome, identity_hash,
                                identity_scope, identity_unique, created_at, started_at, completed_at)
     SELECT (lpad(to_hex((extract(epoch FROM at) * 1000)::bigint), 12, '0') || '7'
               || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid,
            $1::uuid, ($2::uuid[])[1 + i % $3], ($4::text[])[1 + (i / $3) % 6], 'completed',
            'succeeded', md5('bench-identity' || i), 'per_request', false, at, at, at
       FROM (SELECT i, md5('bench' || i) AS h,
                    now() - interval '60 days' + make_interval(secs => i * 20) AS at
               FROM generate_series(1, $5) AS i) runs`,
    [world.workspaceId, tenantIds, LISTED, TYPES, RUNS],
  );
  await db.query('ANALYZE operation_runs');
  const loadMs = Math.round(performance.now() - loadStarted);
  log(`loaded ${RUNS} runs in ${loadMs} ms`);

  const measure = async (path) => {
    const samples = [];
    for (let i = 0; i < READS; i++) {
      const started = performance.now();
      await api(base, token, 'GET', path);
      samples.push(performance.now() - started);
    }
    return summarize(samples);
  };
  // Side by side, alternating, so the machine's noise falls on both alike.
  const list = [];
  const one = [];
  for (let round = 0; round < 3; round++) {
    list.push(await measure(`/workspaces/${world.workspaceId}/tenants`));
    one.push(await measure(`/tenants/${tenantIds[round]}`));
  }
  const sample = await api(base, token, 'GET', `/workspaces/${world.workspaceId}/tenants`);
  const filled = sample.items.filter((t) => TYPES.every((type) => t.lastRuns[type] !== null));
  const plan = await db.query(
    `EXPLAIN (ANALYZE, BUFFERS)
     SELECT t.tenant_id, r.type, r.id, r.status, r.outcome, r.completed_at
       FROM unnest($1::uuid[]) AS t (tenant_id)
      CROSS JOIN unnest($2::text[]) AS k (type)
      CROSS JOIN LATERAL (
        SELECT id, type, status, outcome, completed_at FROM operation_runs
         WHERE tenant_id = t.tenant_id AND type = k.type
         ORDER BY id DESC LIMIT 1
      ) r`,
    [tenantIds, TYPES],
  );
  await db.end();
  const median = (rounds, key) => rounds.map((r) => r[key]).sort((a, b) => a - b)[1];
  return {
    tenants: LISTED,
    runs: RUNS,
    loadMs,
    tenantsWithEveryType: filled.length,
    listOf200: list,
    oneTenant: one,
    p50RatioListToOne: Math.round((median(list, 'p50') / median(one, 'p50')) * 100) / 100,
    plan: plan.rows.map((row) => row['QUERY PLAN']),
  };
}

await runBenchmark('onboarding', 9 * 60_000, async () => {
  requireBuild();
  const quiet = await waitForQuiet();
  const machine = await machineInfo();
  const sim = await startSimulatedGraph();
  const {
    world,
    api: apiServer,
    worker,
  } = await startProduct('onboarding', {
    env: { ...graphEnv(sim), WORKER_CONCURRENCY: String(WORKER_CONCURRENCY) },
    worker: true,
  });
  const ctx = { base: apiServer.base, token: world.token, workspaceId: world.workspaceId, sim };
  const onboarding = await onboardFifty(ctx);
  log(`onboarding: ${JSON.stringify(onboarding)}`);
  await worker.stop();
  const lastRuns = await listWithLastRuns({ ...ctx, world });
  log(`lastRuns: ${JSON.stringify({ ...lastRuns, plan: undefined })}`);

  writeResult('onboarding', {
    benchmark: 'onboarding',
    machine,
    quiet,
    settings: {
      processes:
        'API (APP_ROLES=api) and worker (APP_ROLES=worker) as separate processes, bench/bench-server.mjs',
      graph: `simulated Graph as its own process, every answer (token included) delayed ${LATENCY_MS} ms`,
      workerConcurrency: WORKER_CONCURRENCY,
      allVerifiedMs:
        'first POST → every tenant of the list shows connection.status verified (polled every 50 ms)',
      lowerBoundMs:
        'ceil(tenants / worker concurrency) × Graph requests of one check × latency (the sim delays Graph routes only)',
      lastRuns: `${LISTED} tenants, ${RUNS} completed runs over them and the six lastRuns types; ${READS} sequential GETs per measurement, 3 rounds alternating list and one tenant (the worker stopped)`,
    },
    results: { onboarding, lastRuns },
  });
});
