/* global process, fetch, AbortSignal, performance -- Node.js globals (the ESLint config declares them for *.js only) */
/**
 * Sync families against the simulated Graph (a real HTTPS server, `dist/libs/graph-sim/main.js`):
 * an inventory sync of 1,000 policies, a policy sync capturing those 1,000, a full group sync of
 * 50,000 groups, a delta group sync after 10 changes, and group search on the 50,000 cached
 * groups. For each sync: wall time, Graph requests made (the sim's request log), and the peak RSS
 * of the worker process (VmHWM). API and worker run as separate processes, as in production.
 *
 *   npm run build && npx swc test/support -d dist --quiet && node bench/sync.mjs
 */
import { spawn } from 'node:child_process';
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
  createProductWorld,
  log,
  machineInfo,
  onCleanup,
  requireBuild,
  runBenchmark,
  sleep,
  startProductApi,
  startServer,
  summarize,
  uniqueRedisPrefix,
  waitForQuiet,
  writeResult,
} from './lib.mjs';

const SIM_SECRET = `bench-sim-${randomUUID()}`;
const GROUPS = Number(process.env.BENCH_GROUPS ?? 50_000);
const SEARCHES = 200;
// 1,000 policies over the seven types, in roughly a real tenant's proportions.
const POLICY_SIZES = {
  deviceConfigurations: 300,
  configurationPolicies: 300,
  deviceCompliancePolicies: 120,
  groupPolicyConfigurations: 120,
  iosManagedAppProtections: 50,
  androidManagedAppProtections: 50,
  deviceEnrollmentConfigurations: 60,
};

/** The sim as its own process; resolves with its ready line and a control client. */
async function startSim() {
  const child = spawn(
    process.execPath,
    [join(DIST, 'libs/graph-sim/main.js'), '--client-secret', SIM_SECRET],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  onCleanup(async () => {
    child.kill('SIGTERM');
    await sleep(200);
  });
  const ready = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
    });
    child.on('exit', (code) => reject(new Error(`graph sim exited ${code}`)));
  });
  const dispatcher = new Agent({ connect: { ca: readFileSync(ready.caCert, 'utf8') } });
  const control = async (method, path, body) => {
    const response = await request(`${ready.url}/_sim/tenants/${path}`, {
      dispatcher,
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.body.text();
    if (response.statusCode >= 400) throw new Error(`sim ${method} ${path}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  return { ...ready, pid: child.pid, control };
}

function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMiB: Math.round(kib('VmRSS') / 1024), peakRssMiB: Math.round(kib('VmHWM') / 1024) };
}

async function api(base, token, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const json = await response.json();
  if (response.status >= 400)
    throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** Starts a sync over HTTP, waits for its run, and reports what it cost. */
async function measureSync({ base, token, sim, entra, worker }, label, path, body = {}) {
  await sim.control('DELETE', `${entra}/requests`);
  const started = performance.now();
  const { run } = await api(base, token, 'POST', path, body);
  let done = run;
  while (done.status !== 'completed') {
    if (performance.now() - started > 300_000) throw new Error(`${label} did not finish`);
    await sleep(50);
    done = await api(base, token, 'GET', `/operations/${run.id}`);
  }
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
  const world = await createProductWorld(`tenantops_bench_${Date.now()}_sync`);
  const sim = await startSim();
  const env = {
    GRAPH_BASE_URL: sim.url,
    GRAPH_LOGIN_URL: sim.url,
    GRAPH_CA_CERT: sim.caCert,
    LOG_LEVEL: 'warn',
  };
  const prefix = uniqueRedisPrefix();
  const apiServer = await startProductApi(world.url, prefix, env);
  const worker = startServer(
    join(BENCH_DIR, 'bench-server.mjs'),
    {
      NODE_ENV: 'production',
      DATABASE_URL: world.url,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      SECRETS_KEY,
      APP_ROLES: 'worker',
      BENCH_DIST: DIST,
      ...env,
    },
    { label: 'worker' },
  );
  await worker.ready;
  const workerAtBoot = memoryOf(worker.pid);

  const tenant = await api(
    apiServer.base,
    world.token,
    'POST',
    `/workspaces/${world.workspaceId}/tenants`,
    {
      displayName: 'Bench tenant',
      entraTenantId: randomUUID(),
      clientId: randomUUID(),
      clientSecret: SIM_SECRET,
    },
  );
  const entra = tenant.entraTenantId;
  await sim.control('PUT', `${entra}/sizes`, { ...POLICY_SIZES, groups: GROUPS });
  const ctx = { base: apiServer.base, token: world.token, sim, entra, worker };
  const t = `/tenants/${tenant.id}`;

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
    [tenant.id],
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
