/* global process, performance -- Node.js globals (the ESLint config declares them for *.js only) */
/**
 * Sync families against the simulated Graph (a real HTTPS server, `dist/libs/graph-sim/main.js`):
 * an inventory sync of 1,000 policies, a policy sync capturing those 1,000, a full group sync of
 * 50,000 groups, a delta group sync after 10 changes, and group search on the 50,000 cached
 * groups. For each sync: wall time, Graph requests made (the sim's request log), and the peak RSS
 * of the worker process (VmHWM). API and worker run as separate processes, as in production.
 *
 *   npm run build && npx swc test/support -d dist --quiet && node bench/sync.mjs
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  api,
  POLICY_SIZES,
  createTenant,
  graphEnv,
  log,
  machineInfo,
  memoryOf,
  requireBuild,
  runBenchmark,
  startProduct,
  startSimulatedGraph,
  summarize,
  waitForQuiet,
  waitForRun,
  writeResult,
} from './lib.mjs';

const GROUPS = Number(process.env.BENCH_GROUPS ?? 50_000);
const SEARCHES = 200;

/** Starts a sync over HTTP, waits for its run, and reports what it cost. */
async function measureSync({ base, token, sim, entra, worker }, label, path, body = {}) {
  await sim.control('DELETE', `${entra}/requests`);
  const started = performance.now();
  const { run } = await api(base, token, 'POST', path, body);
  const done = await waitForRun(base, token, run.id);
  const wallMs = Math.round(performance.now() - started);
  const { requests } = await sim.control('GET', `${entra}/requests`);
  const graph = requests.filter((r) => /^\/(v1\.0|beta)\//.test(r.path));
  const result = {
    outcome: done.outcome,
    wallMs,
    runDurationMs: done.durationMs,
    graphRequests: graph.length,
    identityRequests: requests.length - graph.length,
    summaryCounts: done.summaryCounts,
    worker: memoryOf(worker.pid),
  };
  log(`${label}: ${JSON.stringify(result)}`);
  if (done.outcome !== 'succeeded')
    throw new Error(`${label} ended ${done.outcome}: ${JSON.stringify(done.failures)}`);
  return result;
}

await runBenchmark('sync', 9 * 60_000, async () => {
  requireBuild();
  const quiet = await waitForQuiet();
  const machine = await machineInfo();
  const sim = await startSimulatedGraph();
  const {
    world,
    api: apiServer,
    worker,
  } = await startProduct('sync', { env: graphEnv(sim), worker: true });
  const workerAtBoot = memoryOf(worker.pid);

  const entra = randomUUID();
  const tenantId = await createTenant(
    apiServer.base,
    world.token,
    world.workspaceId,
    'Bench tenant',
    { simulated: true, entraTenantId: entra },
  );
  await sim.control('PUT', `${entra}/sizes`, { ...POLICY_SIZES, groups: GROUPS });
  const ctx = { base: apiServer.base, token: world.token, sim, entra, worker };
  const t = `/tenants/${tenantId}`;

  const inventorySync = await measureSync(
    ctx,
    'inventory_sync 1,000 policies',
    `${t}/inventory/sync`,
  );
  const inventoryResync = await measureSync(
    ctx,
    'inventory_sync again (unchanged)',
    `${t}/inventory/sync`,
  );
  const policySync = await measureSync(
    ctx,
    'policy_sync 1,000 policies',
    `${t}/inventory/policies/sync`,
  );
  const groupSync = await measureSync(
    ctx,
    `entra_group_sync ${GROUPS} groups (full)`,
    `${t}/directory/groups/sync`,
  );

  // Ten changes, then a delta round: it should read only those.
  const page = await api(apiServer.base, world.token, 'GET', `${t}/directory/groups?limit=10`);
  for (const [i, group] of page.items.entries()) {
    if (i < 4)
      await sim.control('PATCH', `${entra}/items/groups/${group.id}`, {
        displayName: `Renamed ${i}`,
      });
    else if (i < 7) await sim.control('DELETE', `${entra}/items/groups/${group.id}`);
    else
      await sim.control('POST', `${entra}/items/groups`, {
        displayName: `Added ${i}`,
        securityEnabled: true,
      });
  }
  const deltaSync = await measureSync(
    ctx,
    'entra_group_sync after 10 changes (delta)',
    `${t}/directory/groups/sync`,
  );

  // Search on the cached groups: prefixes of several selectivities, through the API.
  const prefixes = ['Group 1', 'Group 12', 'Group 123', 'Group 1234', 'group 4999'];
  const searchLatency = {};
  for (const prefix of prefixes) {
    const samples = [];
    for (let i = 0; i < SEARCHES / prefixes.length; i++) {
      const started = performance.now();
      await api(
        apiServer.base,
        world.token,
        'GET',
        `${t}/directory/groups?search=${encodeURIComponent(prefix)}&limit=50`,
      );
      samples.push(performance.now() - started);
    }
    searchLatency[prefix] = summarize(samples);
  }
  const db = new pg.Client({ connectionString: world.url });
  await db.connect();
  const plan = await db.query(
    `EXPLAIN (ANALYZE, BUFFERS) SELECT graph_id FROM directory_groups
      WHERE tenant_id = $1 AND lower(display_name) COLLATE "C" LIKE 'group 1%'
      ORDER BY lower(display_name) COLLATE "C", graph_id LIMIT 51`,
    [tenantId],
  );
  await db.end();

  writeResult('sync', {
    benchmark: 'sync',
    machine,
    quiet,
    settings: {
      policies: POLICY_SIZES,
      groups: GROUPS,
      processes:
        'API (APP_ROLES=api) and worker (APP_ROLES=worker) as separate processes, bench/bench-server.mjs',
      graph:
        'simulated Graph as its own process (dist/libs/graph-sim/main.js), HTTPS on loopback, no faults',
      graphConcurrencyPerTenant: 'default (4)',
      wallMs: 'POST start → GET /operations/{id} reports completed (polled every 50 ms)',
      graphRequests:
        "the sim's request log for the tenant, Graph routes only (token requests apart)",
      worker: 'VmRSS / VmHWM (peak) of the worker process after each phase',
    },
    results: {
      workerAtBoot,
      inventorySync,
      inventoryResync,
      policySync,
      groupSync,
      deltaSync,
      groupSearchMs: searchLatency,
      groupSearchPlan: plan.rows.map((row) => row['QUERY PLAN']),
    },
  });
});
