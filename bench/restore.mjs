/* global process, performance, setInterval, clearInterval -- Node.js globals (the ESLint config declares them for *.js only) */
/**
 * Restore of 1,000 policies (the seven types, with assignments) from a backup of a simulated
 * tenant whose policies were then deleted, while it answers every Graph request after 20 ms. Reports the wall time of the
 * restore_execute run against its lower bound (Graph requests × latency ÷
 * GRAPH_CONCURRENCY_PER_TENANT), the Graph requests and writes per item (the sim's request log),
 * and the worker's peak RSS. API and worker run as separate processes, as in production.
 *
 *   npm run build && npx swc test/support -d dist --quiet && node bench/restore.mjs
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DIST,
  POLICY_SIZES,
  SIM_SECRET,
  api,
  createTenant,
  graphEnv,
  log,
  machineInfo,
  memoryOf,
  onCleanup,
  requireBuild,
  runBenchmark,
  startProduct,
  startProductWorker,
  waitForQuiet,
  waitForRun,
  writeResult,
} from './lib.mjs';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const CONCURRENCY = Number(process.env.BENCH_GRAPH_CONCURRENCY ?? 4);

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSecondsOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Starts a run over HTTP and waits for it; throws unless it succeeded. */
async function run(base, token, path, body = {}) {
  const { run: started } = await api(base, token, 'POST', path, body);
  const done = await waitForRun(base, token, started.id);
  if (done.outcome !== 'succeeded')
    throw new Error(`${path} ended ${done.outcome}: ${JSON.stringify(done.failures)}`);
  return done;
}

/**
 * Points the tenant's generated group assignments at its own groups (the generator makes up
 * group ids no directory holds), as a real tenant's are: the preview finds them in its cache.
 */
function useTenantGroups(tenant) {
  const groups = tenant.items('groups');
  let next = 0;
  for (const resource of Object.keys(POLICY_SIZES)) {
    for (const policy of tenant.items(resource)) {
      const assignments = tenant.relatedItems(resource, policy.id, 'assignments');
      tenant.setRelated(
        resource,
        policy.id,
        'assignments',
        assignments.map((assignment) =>
          typeof assignment.target.groupId === 'string'
            ? {
                ...assignment,
                target: { ...assignment.target, groupId: groups[next++ % groups.length].id },
              }
            : assignment,
        ),
      );
    }
  }
}

/** What the target's Graph was asked during the restore, by kind of request. */
function requestsOf(requests) {
  const graph = requests.filter((r) => /^\/(v1\.0|beta)\//.test(r.path));
  const kind = (r) => {
    const path = r.path.split('?')[0];
    if (r.method === 'GET') return 'reads';
    if (r.method === 'PATCH' || r.method === 'PUT') return 'updates';
    if (path.endsWith('/assign')) return 'assigns';
    if (path.endsWith('/definitionValues')) return 'definitionValues';
    return 'creates';
  };
  const byKind = { creates: 0, definitionValues: 0, updates: 0, assigns: 0, reads: 0 };
  for (const request of graph) byKind[kind(request)]++;
  const statuses = {};
  for (const request of graph) statuses[request.status] = (statuses[request.status] ?? 0) + 1;
  return { total: graph.length, byKind, statuses };
}

await runBenchmark('restore', 9 * 60_000, async () => {
  requireBuild();
  const quiet = await waitForQuiet();
  const machine = await machineInfo();
  // The simulated Graph runs in this process: its handle sets the assignments, deletes policies.
  const { startGraphSim } = await import(pathToFileURL(join(DIST, 'libs/graph-sim/index.js')).href);
  const sim = await startGraphSim({ clientSecret: SIM_SECRET });
  onCleanup(() => sim.close());
  const env = { ...graphEnv(sim), GRAPH_CONCURRENCY_PER_TENANT: String(CONCURRENCY) };
  // One worker prepares the tenant (backup, syncs); a fresh one runs the restore alone, so that
  // its memory and CPU are the restore's (BENCH_WORKER_PROFILE=<dir>: its CPU profile).
  const {
    world,
    prefix,
    api: apiServer,
    worker: setupWorker,
  } = await startProduct('restore', { env, worker: 'setup worker' });
  const { base } = apiServer;
  const token = world.token;

  // A tenant of 1,000 policies with assignments to its groups, backed up; then every policy is
  // deleted but Intune's three default enrollment configurations (which cannot be), and the
  // inventory and directory synced (the preview reads them): a disaster-recovery restore.
  const entra = randomUUID();
  const targetId = await createTenant(base, token, world.workspaceId, 'Bench tenant', {
    simulated: true,
    entraTenantId: entra,
  });
  const targetSim = sim.tenant(entra);
  targetSim.regenerate({ ...POLICY_SIZES, groups: 250 });
  useTenantGroups(targetSim);
  await run(base, token, `/tenants/${targetId}/directory/groups/sync`);
  const schedule = await api(base, token, 'POST', `/tenants/${targetId}/backup-schedules`, {
    name: 'Bench',
    cron: '0 3 * * *',
    timezone: 'UTC',
  });
  const backupStarted = performance.now();
  const backup = await run(base, token, `/tenants/${targetId}/backup-schedules/${schedule.id}/run`);
  const backupMs = Math.round(performance.now() - backupStarted);
  const setId = backup.context.backupSetId;
  log(`backup of ${backup.summaryCounts.total} policies: ${backupMs} ms`);
  for (const resource of Object.keys(POLICY_SIZES)) {
    for (const policy of targetSim.items(resource)) {
      if (resource !== 'deviceEnrollmentConfigurations' || policy.priority !== 0) {
        targetSim.remove(resource, policy.id);
      }
    }
  }
  await run(base, token, `/tenants/${targetId}/inventory/sync`);
  await setupWorker.stop();
  const profile = process.env.BENCH_WORKER_PROFILE;
  const worker = await startProductWorker(world.url, prefix, env, {
    label: 'restore worker',
    nodeArgs: profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [],
  });
  const workerAtBoot = memoryOf(worker.pid);

  const previewStarted = performance.now();
  const restore = await api(base, token, 'POST', `/tenants/${targetId}/restore-runs`, {
    sourceBackupSetId: setId,
    conflictPolicy: 'skip',
  });
  const previewMs = Math.round(performance.now() - previewStarted);
  log(`preview: ${previewMs} ms, ${JSON.stringify(restore.preview.counts)}`);
  if (restore.preview.blockers.length) {
    throw new Error(`blockers: ${JSON.stringify(restore.preview.blockers.slice(0, 3))}`);
  }

  targetSim.faults.rates = { latencyMs: LATENCY_MS };
  targetSim.requests.length = 0;
  targetSim.maxInFlight = 0;
  // How many requests the sim holds at once, sampled: whether the restore keeps the tenant's
  // concurrency busy (4 in flight) or leaves gaps.
  const cpuBefore = {
    worker: cpuSecondsOf(worker.pid),
    api: cpuSecondsOf(apiServer.pid),
    simAndBench: process.cpuUsage(),
  };
  const inFlight = [];
  const sampler = setInterval(() => inFlight.push(targetSim.inFlight), 10);
  const started = performance.now();
  const { run: execution } = await api(
    base,
    token,
    'POST',
    `/tenants/${targetId}/restore-runs/${restore.id}/execute`,
  );
  // Polled seldom, so that the API takes little CPU from the restore it watches.
  const done = await waitForRun(base, token, execution.id, 500);
  const wallMs = Math.round(performance.now() - started);
  clearInterval(sampler);
  const simCpu = process.cpuUsage(cpuBefore.simAndBench);
  const cpuSeconds = {
    worker: Number((cpuSecondsOf(worker.pid) - cpuBefore.worker).toFixed(1)),
    api: Number((cpuSecondsOf(apiServer.pid) - cpuBefore.api).toFixed(1)),
    simulatedGraph: Number(((simCpu.user + simCpu.system) / 1e6).toFixed(1)),
  };
  const workerAfter = memoryOf(worker.pid);
  targetSim.faults.rates = {};
  if (done.outcome !== 'succeeded') {
    throw new Error(`restore ended ${done.outcome}: ${JSON.stringify(done.failures.slice(0, 3))}`);
  }
  // The inventory sync the restore starts at its end is not the restore's.
  const sync = await waitForRun(base, token, done.context.inventorySyncRunId);
  const restoreRequests = targetSim.requests.filter((r) => r.at < Date.parse(sync.startedAt));
  const requests = requestsOf(restoreRequests);
  const items = (await api(base, token, 'GET', `/tenants/${targetId}/restore-runs/${restore.id}`))
    .items;
  const created = items.filter((item) => item.result === 'created').length;
  const assignmentSets = items.filter(
    (item) => item.result === 'created' && item.assignments.some((a) => a.body),
  ).length;
  const lowerBoundMs = Math.round((requests.total * LATENCY_MS) / CONCURRENCY);
  const ratio = Number((done.durationMs / lowerBoundMs).toFixed(2));
  const writes = requests.byKind.creates + requests.byKind.updates + requests.byKind.assigns;
  const results = {
    items: items.length,
    outcome: done.outcome,
    summaryCounts: done.summaryCounts,
    wallMs,
    runDurationMs: done.durationMs,
    graphRequests: requests,
    graphRequestsPerItem: Number((requests.total / items.length).toFixed(2)),
    maxGraphRequestsInFlight: targetSim.maxInFlight,
    meanGraphRequestsInFlight: Number(
      (inFlight.reduce((a, b) => a + b, 0) / Math.max(1, inFlight.length)).toFixed(2),
    ),
    lowerBoundMs,
    ratioToLowerBound: ratio,
    writes: {
      policyCreates: requests.byKind.creates,
      createdPolicies: created,
      assigns: requests.byKind.assigns,
      assignmentSets,
      definitionValues: requests.byKind.definitionValues,
      policyWritesPlusAssignsPerItem: Number((writes / items.length).toFixed(2)),
    },
    goals: {
      withinOneAndAHalfOfLowerBound: ratio <= 1.5,
      oneWritePerCreatedPolicyPlusOnePerAssignmentSet:
        requests.byKind.creates === created && requests.byKind.assigns === assignmentSets,
    },
    cpuSecondsDuringRestore: cpuSeconds,
    previewMs,
    backupMs,
    workerAtBoot,
    workerAfterRestore: workerAfter,
  };
  log(`restore: ${JSON.stringify(results)}`);
  writeResult('restore', {
    benchmark: 'restore',
    machine,
    quiet,
    settings: {
      policies: POLICY_SIZES,
      latencyMs: LATENCY_MS,
      graphConcurrencyPerTenant: CONCURRENCY,
      scenario:
        'one tenant: backed up, every policy deleted but the three default enrollment configurations (skipped: conflictPolicy skip), restored',
      processes:
        'API (APP_ROLES=api) and worker (APP_ROLES=worker) as separate processes, bench/bench-server.mjs',
      graph:
        'simulated Graph in the bench process (its handle points the assignments at the tenant groups and deletes the policies), HTTPS on loopback, every request answered after latencyMs during the restore',
      wallMs: 'POST execute → GET /operations/{id} reports completed (polled every 500 ms)',
      runDurationMs: "the run's startedAt → completedAt (what the ratio is computed on)",
      lowerBoundMs: 'Graph requests of the restore × latencyMs ÷ graphConcurrencyPerTenant',
      graphRequests:
        "the target's request log (Graph routes only), up to the start of the inventory sync the restore starts at its end",
      writes:
        "an administrative template's definition values are its own content: written by one POST each after the policy, counted apart",
      worker: 'VmRSS / VmHWM (peak) of the worker process',
    },
    results,
  });
});
