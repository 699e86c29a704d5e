/* global process, setTimeout, clearTimeout, performance -- Node.js globals (the ESLint config declares them for *.js only) */
/**
 * Execution throughput: 20,000 no-op runs started in bulk and executed by two worker processes,
 * against raw Bull processing 20,000 no-op jobs with two processes on the same Redis, rounds
 * alternating. Reports runs (jobs) completed per second, the ratio, and the PostgreSQL
 * statements per run. See bench/README.md. Writes bench/results/execute.json.
 *
 *   npm run build && npx swc test/support -d dist --quiet && node bench/execute.mjs
 *
 * Env (all optional): BENCH_RUNS (20000), BENCH_ROUNDS (3), BENCH_WORKERS (2),
 * BENCH_CONCURRENCY (64: WORKER_CONCURRENCY of each worker, and raw Bull's per process).
 */
import Queue from 'bull';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import {
  BENCH_DIR,
  DIST,
  REDIS_URL,
  ROOT,
  SECRETS_KEY,
  coresByRole,
  cpuMonitor,
  createProductWorld,
  createTenant,
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

const RUNS = Number(process.env.BENCH_RUNS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
if (RUNS > 200_000 || ROUNDS > 10 || WORKERS > 8 || CONCURRENCY > 1024)
  throw new Error('Refusing: keep it bounded (≤ 200,000 runs, ≤ 10 rounds, ≤ 8 workers).');
const GOAL_RATIO = 0.25;

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

/** Runs a script to its end; resolves with the last JSON line it printed. */
function runOnce(script, env, timeoutMs = 300_000) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = output
        .trim()
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{'));
      if (code !== 0 || !line) return reject(new Error(`${script} exited ${code}: ${output}`));
      resolve(JSON.parse(line));
    });
  });
}

/** The statement count and memory a worker-process.mjs reports on SIGWINCH. */
async function workerStats(worker) {
  const seen = worker.output().split('BENCH_STATS ').length;
  process.kill(worker.pid, 'SIGWINCH');
  for (let waited = 0; waited < 10_000; waited += 20) {
    const parts = worker.output().split('BENCH_STATS ');
    if (parts.length > seen) return JSON.parse(parts[parts.length - 1].split('\n')[0]);
    await sleep(20);
  }
  throw new Error(`no stats from worker ${worker.pid}`);
}

async function addPaused(queue, count, name) {
  await queue.pause();
  for (let done = 0; done < count; done += 1000) {
    const jobs = Array.from({ length: Math.min(1000, count - done) }, (_, i) => ({
      name,
      data: { n: done + i },
      opts: { removeOnComplete: true, removeOnFail: true },
    }));
    await queue.addBulk(jobs);
  }
}

async function rawRound(prefix, index) {
  const roundPrefix = `${prefix}:raw${index}`;
  const queue = new Queue('raw', REDIS_URL, { prefix: roundPrefix });
  await addPaused(queue, RUNS, 'noop');
  const workers = Array.from({ length: WORKERS }, (_, i) =>
    startServer(
      join(BENCH_DIR, 'raw-bull-worker.mjs'),
      { REDIS_URL, REDIS_PREFIX: roundPrefix, BENCH_CONCURRENCY: String(CONCURRENCY) },
      { label: `raw worker ${i + 1}` },
    ),
  );
  await Promise.all(workers.map((w) => w.ready));
  const quiet = await waitForQuiet();
  const monitor = cpuMonitor();
  const started = performance.now();
  await queue.resume();
  for (;;) {
    const [waiting, active] = await Promise.all([queue.count(), queue.getActiveCount()]);
    if (waiting + active === 0) break;
    if (performance.now() - started > 300_000) throw new Error('raw Bull did not finish in 5 min');
    await sleep(25);
  }
  const seconds = (performance.now() - started) / 1000;
  const cores = coresByRole(
    monitor.before,
    monitor.stop(),
    { workers: workers.map((w) => w.pid) },
    { self: 'benchmark' },
  );
  await Promise.all(workers.map((w) => w.stop()));
  await queue.close();
  const result = {
    jobsPerSecond: round(RUNS / seconds, 1),
    seconds: round(seconds, 3),
    cores,
    machineBefore: quiet,
  };
  log(`raw Bull round ${index + 1}: ${JSON.stringify(result)}`);
  return result;
}

async function productRound(dbName, world, prefix, index) {
  const roundPrefix = `${prefix}:p${index}`;
  await sql(dbName, `DELETE FROM operation_runs`);
  await sql(dbName, `VACUUM ANALYZE operation_runs`);
  const env = {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl(dbName),
    REDIS_URL,
    REDIS_PREFIX: roundPrefix,
    SECRETS_KEY,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    BENCH_DIST: DIST,
  };
  // The probe queue paused (Bull's global pause) while the runs are started and the workers boot.
  const queue = new Queue('probe', REDIS_URL, { prefix: roundPrefix });
  await queue.pause();
  const bulk = await runOnce(join(BENCH_DIR, 'start-bulk.mjs'), {
    ...env,
    BENCH_RUNS: String(RUNS),
    BENCH_WORKSPACE_ID: world.workspaceId,
    BENCH_TENANT_ID: world.tenantId,
  });
  if (bulk.started !== RUNS) throw new Error(`started ${bulk.started} runs, not ${RUNS}`);
  const workers = Array.from({ length: WORKERS }, (_, i) =>
    startServer(
      join(BENCH_DIR, 'worker-process.mjs'),
      { ...env, APP_ROLES: 'worker', WORKER_CONCURRENCY: String(CONCURRENCY) },
      { label: `worker ${i + 1}` },
    ),
  );
  await Promise.all(workers.map((w) => w.ready));
  const quiet = await waitForQuiet();
  const before = await Promise.all(workers.map(workerStats));
  const monitor = cpuMonitor();
  const startedAt = Date.now();
  const started = performance.now();
  await queue.resume();
  for (;;) {
    const [{ n }] = await sql(
      dbName,
      `SELECT count(*)::int AS n FROM operation_runs WHERE status <> 'completed'`,
    );
    if (n === 0) break;
    if (performance.now() - started > Number(process.env.BENCH_STALL_MS ?? 300_000)) {
      for (const w of workers) {
        try {
          process.kill(w.pid, 'SIGWINCH');
        } catch {
          log(`worker ${w.pid} is gone:\n${w.output().slice(-5000)}`);
        }
      }
      await sleep(500);
      const counts = await sql(
        dbName,
        `SELECT status, count(*)::int AS n FROM operation_runs GROUP BY 1`,
      );
      throw new Error(
        `runs did not finish in 5 min: ${JSON.stringify(counts)} ${JSON.stringify(await queue.getJobCounts())}\n` +
          workers.map((w) => w.output().slice(-20000)).join('\n'),
      );
    }
    await sleep(100);
  }
  const cores = coresByRole(
    monitor.before,
    monitor.stop(),
    { workers: workers.map((w) => w.pid) },
    { self: 'benchmark' },
  );
  const after = await Promise.all(workers.map(workerStats));
  const [check] = await sql(
    dbName,
    `SELECT count(*)::int AS runs, count(*) FILTER (WHERE outcome = 'succeeded')::int AS succeeded,
            extract(epoch FROM max(completed_at)) * 1000 AS "lastCompletedMs"
       FROM operation_runs`,
  );
  await Promise.all(workers.map((w) => w.stop()));
  await queue.close();
  const seconds = (check.lastCompletedMs - startedAt) / 1000;
  const statements = after.reduce((sum, a, i) => sum + a.statements - before[i].statements, 0);
  const result = {
    runsPerSecond: round(RUNS / seconds, 1),
    seconds: round(seconds, 3),
    runs: check.runs,
    succeeded: check.succeeded,
    statements,
    statementsPerRun: round(statements / RUNS, 4),
    startedInBulkSeconds: bulk.seconds,
    workerPeakRssMiB: after.map((a) => round(a.maxRssBytes / 2 ** 20, 1)),
    cores,
    machineBefore: quiet,
  };
  log(`product round ${index + 1}: ${JSON.stringify(result)}`);
  return result;
}

await runBenchmark('execute', 40 * 60_000, async () => {
  requireBuild();
  const dbName = `tenantops_bench_${Date.now()}_exec`;
  const world = await createProductWorld(dbName);
  const prefix = uniqueRedisPrefix();
  const api = await startProductApi(world.url, prefix);
  world.tenantId = await createTenant(api.base, world.token, world.workspaceId, 'Execute');
  await api.stop();

  const rounds = [];
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate which goes first, so a drift in the machine's speed hits both alike.
    const raw = i % 2 === 0 ? await rawRound(prefix, i) : null;
    const product = await productRound(dbName, world, prefix, i);
    const rawAfter = raw ?? (await rawRound(prefix, i));
    rounds.push({
      round: i + 1,
      order: i % 2 === 0 ? 'raw, product' : 'product, raw',
      rawBull: rawAfter,
      product,
      ratio: round(product.runsPerSecond / rawAfter.jobsPerSecond, 3),
    });
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const ratio = median(rounds.map((r) => r.ratio));
  const allSucceeded = rounds.every((r) => r.product.runs === RUNS && r.product.succeeded === RUNS);
  writeResult('execute', {
    benchmark: 'execute',
    machine: await machineInfo(),
    settings: {
      runs: RUNS,
      rounds: ROUNDS,
      workers: WORKERS,
      concurrencyPerWorker: CONCURRENCY,
      product:
        'probe_request runs (no work) started with OperationRunsService.startMany (1,000 per call) while the queue is paused; bench/worker-process.mjs (createApp, APP_ROLES=worker, LOG_LEVEL=warn) × workers; timed from the queue resumed to the last completed_at',
      rawBull:
        'bench/raw-bull-worker.mjs × workers: Bull process(concurrency) with a handler that does nothing; 20,000 jobs added (removeOnComplete) while paused; timed from resume until no job is waiting or active (polled every 25 ms)',
      statements:
        'statements sent by the workers (pg Client.query calls) while the runs executed, divided by the runs',
    },
    summary: {
      productRunsPerSecondMedian: median(rounds.map((r) => r.product.runsPerSecond)),
      rawBullJobsPerSecondMedian: median(rounds.map((r) => r.rawBull.jobsPerSecond)),
      ratioMedian: ratio,
      ratioPerRound: rounds.map((r) => r.ratio),
      statementsPerRunMedian: median(rounds.map((r) => r.product.statementsPerRun)),
      allRunsSucceeded: allSucceeded,
      goal: `product ≥ ${GOAL_RATIO * 100}% of raw Bull`,
      met: allSucceeded && ratio >= GOAL_RATIO,
    },
    rounds,
  });
});
