/* global process, setTimeout -- Node.js globals (the ESLint config declares them for *.js only) */
/**
 * The scheduler at scale: 10,000 schedules due in the same minute, three scheduler processes
 * ticking that minute at the same moment. Measures the time from the tick to the last run
 * created, checks that exactly 10,000 runs exist (one per schedule), and counts the database
 * round trips per schedule. See bench/README.md. Writes bench/results/scheduler.json.
 *
 *   npm run build && npx swc test/support -d dist --quiet && node bench/scheduler.mjs
 *
 * Env (all optional): BENCH_SCHEDULES (10000), BENCH_PROCESSES (3), BENCH_ROUNDS (3).
 */
import { join } from 'node:path';
import pg from 'pg';
import {
  BENCH_DIR,
  DIST,
  REDIS_URL,
  SECRETS_KEY,
  createProductWorld,
  createTenant,
  databaseUrl,
  log,
  machineInfo,
  requireBuild,
  runBenchmark,
  startProductApi,
  startServer,
  uniqueRedisPrefix,
  waitForQuiet,
  writeResult,
} from './lib.mjs';

const SCHEDULES = Number(process.env.BENCH_SCHEDULES ?? 10_000);
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
if (SCHEDULES > 100_000 || PROCESSES > 8 || ROUNDS > 10)
  throw new Error('Refusing: keep it bounded (≤ 100,000 schedules, ≤ 8 processes, ≤ 10 rounds).');
const TENANTS = 10;
const GOAL_SECONDS = 10;

/** One statement on the benchmark's database. */
async function sql(dbName, text, params) {
  const client = new pg.Client({ connectionString: databaseUrl(dbName) });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

async function round(dbName, world, prefix, index) {
  const minute = `2026-07-0${index + 1}T10:00`;
  await sql(dbName, `DELETE FROM operation_runs`);
  await sql(dbName, `DELETE FROM backup_schedules`);
  await sql(dbName, `DELETE FROM scheduler_duties`);
  await sql(
    dbName,
    `INSERT INTO backup_schedules (id, workspace_id, tenant_id, name, enabled, cron, timezone,
                                   keep_last, overlap_policy, next_fire_at)
     SELECT gen_random_uuid(), $1, ($2::uuid[])[1 + g % array_length($2::uuid[], 1)],
            'bench ' || g, true, '0 * * * *',
            (ARRAY['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'])[1 + g % 4],
            10, 'skip', $3
       FROM generate_series(1, $4) g`,
    [world.workspaceId, world.tenants, `${minute}:00Z`, SCHEDULES],
  );
  await sql(dbName, `VACUUM ANALYZE backup_schedules`);
  const quiet = await waitForQuiet();
  const startAt = Date.now() + 8000 + PROCESSES * 2000;
  const env = {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl(dbName),
    REDIS_URL,
    REDIS_PREFIX: prefix,
    SECRETS_KEY,
    LOG_LEVEL: 'warn',
    BENCH_DIST: DIST,
    BENCH_START_AT: String(startAt),
    BENCH_NOW: `${minute}:30Z`,
  };
  const processes = Array.from({ length: PROCESSES }, (_, i) =>
    startServer(join(BENCH_DIR, 'scheduler-process.mjs'), env, { label: `scheduler ${i + 1}` }),
  );
  await Promise.all(processes.map((p) => p.ready));
  if (Date.now() > startAt) throw new Error('The processes booted after the start moment.');
  const reports = await Promise.all(
    processes.map(async (p) => {
      for (let waited = 0; waited < 60_000; waited += 100) {
        const line = p
          .output()
          .split('\n')
          .find((l) => l.startsWith('{'));
        if (line) return JSON.parse(line);
        await new Promise((done) => setTimeout(done, 100));
      }
      throw new Error(`a scheduler did not report:\n${p.output()}`);
    }),
  );
  await Promise.all(processes.map((p) => p.stop()));

  const [check] = await sql(
    dbName,
    `SELECT count(*)::int AS runs, count(DISTINCT context ->> 'scheduleId')::int AS schedules,
            count(*) FILTER (WHERE context ->> 'scheduledFor' = $1)::int AS "atTheFire",
            extract(epoch FROM max(created_at)) * 1000 AS "lastCreatedMs",
            extract(epoch FROM min(created_at)) * 1000 AS "firstCreatedMs"
       FROM operation_runs WHERE type = 'backup_schedule_run'`,
    [`${minute}:00.000Z`],
  );
  const [left] = await sql(
    dbName,
    `SELECT count(*)::int AS n FROM backup_schedules WHERE next_fire_at <= $1`,
    [`${minute}:30Z`],
  );
  const statements = reports.reduce((sum, r) => sum + r.statements, 0);
  const result = {
    round: index + 1,
    tickToLastRunSeconds: Number(((check.lastCreatedMs - startAt) / 1000).toFixed(3)),
    tickToLastProcessDoneSeconds: Number(
      ((Math.max(...reports.map((r) => r.finishedAt)) - startAt) / 1000).toFixed(3),
    ),
    runsCreated: check.runs,
    distinctSchedules: check.schedules,
    runsAtTheFireTime: check.atTheFire,
    schedulesStillDue: left.n,
    perProcess: reports.map((r) => ({
      created: r.created,
      deduplicated: r.deduplicated,
      statements: r.statements,
      seconds: Number(((r.finishedAt - r.startedAt) / 1000).toFixed(3)),
    })),
    databaseRoundTrips: statements,
    databaseRoundTripsPerSchedule: Number((statements / SCHEDULES).toFixed(4)),
    machineBefore: quiet,
  };
  log(`round ${index + 1}: ${JSON.stringify(result)}`);
  return result;
}

await runBenchmark('scheduler', 10 * 60_000, async () => {
  requireBuild();
  const dbName = `tenantops_bench_${Date.now()}_sched`;
  const world = await createProductWorld(dbName);
  const prefix = uniqueRedisPrefix();
  const api = await startProductApi(world.url, prefix);
  world.tenants = [];
  for (let i = 0; i < TENANTS; i++)
    world.tenants.push(await createTenant(api.base, world.token, world.workspaceId, `T${i}`));
  await api.stop();

  const rounds = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push(await round(dbName, world, prefix, i));
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const tick = median(rounds.map((r) => r.tickToLastRunSeconds));
  const exact = rounds.every(
    (r) =>
      r.runsCreated === SCHEDULES &&
      r.distinctSchedules === SCHEDULES &&
      r.runsAtTheFireTime === SCHEDULES &&
      r.schedulesStillDue === 0,
  );
  writeResult('scheduler', {
    benchmark: 'scheduler',
    machine: await machineInfo(),
    settings: { schedules: SCHEDULES, processes: PROCESSES, rounds: ROUNDS, tenants: TENANTS },
    summary: {
      tickToLastRunSecondsMedian: tick,
      runsCreatedEqualsSchedulesEveryRound: exact,
      databaseRoundTripsPerScheduleMedian: median(
        rounds.map((r) => r.databaseRoundTripsPerSchedule),
      ),
      goal: `all ${SCHEDULES} runs created within ${GOAL_SECONDS} s`,
      met: exact && tick <= GOAL_SECONDS,
    },
    rounds,
  });
});
