import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseConfig } from '#libs/common/config';
import { createApp } from '../../src/app.factory.js';
import {
  graphEnvironment,
  SIM_CLIENT_SECRET,
  startSim,
  type TestSim,
} from '../support/graph-sim.js';
import { HttpClient } from '../support/http.js';
import { freePort, runCli } from '../support/processes.js';
import { World } from '../support/world.js';
import { AppProcess, processLogPath } from './app-processes.js';
import { checkInvariants, jobsWithoutRuns, type InvariantResult } from './invariants.js';
import { LoadState, runLoad, type SoakTenant, type SoakUsers } from './load.js';
import {
  scratchDirectory,
  startPrivatePostgres,
  startPrivateRedis,
  type PrivatePostgres,
  type PrivateRedis,
} from './servers.js';

/**
 * The soak: the built app as 2 API, 2 worker and 2 scheduler processes on a private PostgreSQL
 * and a private Redis, against the simulated Graph answering 10% 429 (fractional Retry-After) and
 * 5% 503, under a mixed load, while it is broken on purpose — a worker SIGKILLed every 20 s (and
 * started again), Redis restarted empty, PostgreSQL restarted (fast shutdown), a scheduler killed
 * between its runs' insert and its tick's commit. Then the load stops, the runs drain, and the
 * invariants are checked (./invariants.ts).
 */
export interface SoakOptions {
  /** How long the load and the faults last. */
  durationMs: number;
  /** Virtual users of the load, and each one's pause between actions. */
  users: number;
  thinkMs: number;
  /** Worker SIGKILL period. */
  workerKillEveryMs?: number;
  /** The longest the runs may take to drain once the load stops. */
  drainMs?: number;
  /** Keeps the logs directory (its path is in the report); kept anyway when an invariant breaks. */
  keepLogs?: boolean;
  /** On SIGINT/SIGTERM, remove what the soak started, then exit (the command line's case). */
  handleSignals?: boolean;
  log?: (message: string) => void;
}

export interface FaultRecord {
  kind:
    | 'worker_sigkill'
    | 'redis_restart_empty'
    | 'postgres_restart_fast'
    | 'scheduler_killed_mid_tick';
  /** Seconds since the load started. */
  at: number;
  detail: Record<string, unknown>;
}

export interface SoakReport {
  soak: 'tenantops';
  machine: Record<string, unknown>;
  settings: Record<string, unknown>;
  load: Record<string, unknown>;
  faults: FaultRecord[];
  drain: { seconds: number; sweeps: number; drained: boolean };
  invariants: InvariantResult[];
  holds: boolean;
  /** The processes' logs, when kept. */
  logs?: string;
}

const SECRETS_KEY = `soak-${randomUUID()}-secrets-key-of-this-run`;
const GRAPH_FAULTS = { throttleProbability: 0.1, retryAfter: '0.4', unavailableProbability: 0.05 };
const SIM_SIZES = { policies: 4, groups: 40 };
const REDIS_PREFIX = 'tenantops';

/** The fault hook of the private database: a scheduler's schedule update waits while armed. */
const STALL_TRIGGER = `
  CREATE TABLE soak_faults (name text PRIMARY KEY, armed boolean NOT NULL);
  INSERT INTO soak_faults VALUES ('stall_schedule_advance', false);
  CREATE FUNCTION soak_stall_schedule_advance() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF current_setting('application_name') LIKE 'soak-scheduler-%' THEN
      FOR i IN 1..600 LOOP
        EXIT WHEN NOT (SELECT armed FROM soak_faults WHERE name = 'stall_schedule_advance');
        PERFORM pg_sleep(0.1);
      END LOOP;
    END IF;
    RETURN NULL;
  END $$;
  CREATE TRIGGER soak_stall_schedule_advance BEFORE UPDATE ON backup_schedules
    FOR EACH STATEMENT EXECUTE FUNCTION soak_stall_schedule_advance();
`;

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const say = options.log ?? (() => undefined);
  const killEvery = options.workerKillEveryMs ?? 20_000;
  const drainMs = options.drainMs ?? 180_000;
  const logs = scratchDirectory('soak-logs');
  // Kept when asked, and whenever an invariant breaks: the processes' logs say why.
  let keepLogs = options.keepLogs ?? false;
  const cleanups: (() => Promise<unknown>)[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const step of cleanups.reverse()) await step().catch(() => undefined);
      if (!keepLogs) rmSync(logs, { recursive: true, force: true });
    })());
  // Ctrl-C still removes the servers: pg_ctl's PostgreSQL would outlive this process.
  const interrupted = () => void cleanup().finally(() => process.exit(130));
  if (options.handleSignals) {
    process.once('SIGINT', interrupted);
    process.once('SIGTERM', interrupted);
  }
  try {
    say('starting a private PostgreSQL and Redis');
    const postgres: PrivatePostgres = await startPrivatePostgres();
    cleanups.push(() => postgres.remove());
    const redis: PrivateRedis = await startPrivateRedis();
    cleanups.push(() => redis.remove());
    const admin = new pg.Client({ connectionString: postgres.url('postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE tenantops');
    await admin.end();
    const sim: TestSim = await startSim({ sizes: SIM_SIZES });
    cleanups.push(() => sim.close());

    const baseEnv = (name: string): Record<string, string> => ({
      NODE_ENV: 'production',
      DATABASE_URL: postgres.url('tenantops', `soak-${name}`),
      DATABASE_POOL_SIZE: '5',
      REDIS_URL: redis.url,
      REDIS_PREFIX,
      SECRETS_KEY,
      LOG_LEVEL: 'info',
      RUN_HEARTBEAT_SECONDS: '2',
      RUN_LOST_MINUTES: '1',
      AUTH_CACHE_SECONDS: '2',
      METRICS_PORT: '0', // six processes on one machine: each its own free port
      ...graphEnvironment(sim, { GRAPH_MAX_ATTEMPTS: '8', GRAPH_RETRY_BASE_MS: '50' }),
    });
    const migrated = await runCli(['db:migrate'], baseEnv('migrate'));
    if (migrated.code !== 0) throw new Error(`db:migrate: ${migrated.stderr}`);
    const db = new pg.Pool({ connectionString: postgres.url('tenantops', 'soak-checker'), max: 2 });
    db.on('error', () => undefined); // PostgreSQL restarts under it on purpose
    cleanups.push(() => db.end());
    await db.query(STALL_TRIGGER);

    say('seeding two workspaces');
    const { users, tenants } = await seed(baseEnv('seed'), join(logs, 'seed.log'));
    for (const tenant of tenants)
      Object.assign(sim.tenant(tenant.entraTenantId).faults.rates, GRAPH_FAULTS);

    say('starting 2 API, 2 worker and 2 scheduler processes');
    const apiPorts = [await freePort(), await freePort()];
    const processes: AppProcess[] = [
      ...apiPorts.map(
        (port, i) =>
          new AppProcess(
            `api-${i + 1}`,
            'api',
            { ...baseEnv(`api-${i + 1}`), APP_ROLES: 'api', HOST: '127.0.0.1', PORT: String(port) },
            processLogPath(logs, `api-${i + 1}`),
          ),
      ),
      ...[1, 2].map(
        (i) =>
          new AppProcess(
            `worker-${i}`,
            'worker',
            { ...baseEnv(`worker-${i}`), APP_ROLES: 'worker' },
            processLogPath(logs, `worker-${i}`),
          ),
      ),
      ...[1, 2].map(
        (i) =>
          new AppProcess(
            `scheduler-${i}`,
            'scheduler',
            { ...baseEnv(`scheduler-${i}`), APP_ROLES: 'scheduler' },
            processLogPath(logs, `scheduler-${i}`),
          ),
      ),
    ];
    cleanups.push(() => Promise.all(processes.map((p) => p.close())));
    // Two at a time: booting Nest is mostly CPU.
    for (let i = 0; i < processes.length; i += 2)
      await Promise.all(processes.slice(i, i + 2).map((p) => p.start()));
    const apis = apiPorts.map((port) => new HttpClient(`http://127.0.0.1:${port}`));
    const load = new LoadState(apis, users, tenants);

    say('preparing each tenant: inventory, groups, schedules, a backup set');
    for (const tenant of tenants) await prepareTenant(load, tenant);

    // The sampler: two active runs of one identity, seen at any moment of the soak.
    // And jobs in Redis whose run is not in PostgreSQL.
    const observedDoubleActive: string[] = [];
    const observedJobsWithoutRuns: string[] = [];
    let sampling = true;
    const sampler = (async () => {
      for (let round = 0; sampling; round++) {
        if (round % 5 === 0) {
          const sample = await jobsWithoutRuns(db, redis.url, REDIS_PREFIX).catch(() => null);
          observedJobsWithoutRuns.push(...(sample?.orphans ?? []));
        }
        const rows = await db
          .query(
            `SELECT identity_hash, array_agg(id) AS ids FROM operation_runs
              WHERE identity_scope = 'active' AND status <> 'completed'
              GROUP BY identity_hash HAVING count(*) > 1`,
          )
          .then((r) => r.rows)
          .catch(() => []);
        for (const row of rows)
          observedDoubleActive.push(`${row.identity_hash}: ${row.ids.join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    })();

    say(`load and faults for ${Math.round(options.durationMs / 1000)} s`);
    const startedAt = Date.now();
    const until = startedAt + options.durationMs;
    const since = () => Math.round((Date.now() - startedAt) / 100) / 10;
    const faults: FaultRecord[] = [];
    const workers = processes.filter((p) => p.role === 'worker');
    const schedulers = processes.filter((p) => p.role === 'scheduler');
    const waitUntil = (at: number) =>
      new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

    const workerKills = (async () => {
      // At fixed times (20 s, 40 s, …), however long the previous restart took.
      for (let k = 1; startedAt + k * killEvery < until; k++) {
        await waitUntil(startedAt + k * killEvery);
        const worker = workers[(k - 1) % workers.length]!;
        const running = await db
          .query(`SELECT count(*)::int AS n FROM operation_runs WHERE status = 'running'`)
          .then((r) => r.rows[0].n)
          .catch(() => null);
        await worker.kill('SIGKILL');
        faults.push({
          kind: 'worker_sigkill',
          at: since(),
          detail: { process: worker.name, runsRunning: running },
        });
        await worker.start();
      }
    })();

    const redisRestart = (async () => {
      await waitUntil(clearOfTicks(startedAt + options.durationMs * 0.3));
      const queued = await db
        .query(`SELECT count(*)::int AS n FROM operation_runs WHERE status = 'queued'`)
        .then((r) => r.rows[0].n);
      const at = since();
      const began = Date.now();
      await redis.restartEmpty();
      faults.push({
        kind: 'redis_restart_empty',
        at,
        detail: { runsQueuedWhenLost: queued, downMs: Date.now() - began },
      });
    })();

    const postgresRestart = (async () => {
      await waitUntil(clearOfTicks(startedAt + options.durationMs * 0.65));
      const at = since();
      const began = Date.now();
      await postgres.restart();
      const downMs = Date.now() - began;
      // How long the API took to serve reads again after the server came back.
      const back = Date.now();
      let recoveredMs: number | null = null;
      while (Date.now() - back < 60_000) {
        const answers = await Promise.all(
          apis.map((api) =>
            api.get('/operations?limit=1', { token: users.ownerA }).catch(() => null),
          ),
        );
        if (answers.every((answer) => answer?.status === 200)) {
          recoveredMs = Date.now() - back;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      faults.push({
        kind: 'postgres_restart_fast',
        at,
        detail: { downMs, apiRecoveredAfterMs: recoveredMs },
      });
    })();

    // A tick comes at the start of every minute: one is due within any 60 s of load, and the
    // next one, should that tick have found nothing to claim, within a minute more.
    const schedulerKill = killSchedulerMidTick(db, schedulers, until + 61_000, since).then(
      (record) => {
        if (record) faults.push(record);
      },
    );

    await Promise.all([
      runLoad(load, options.users, until, options.thinkMs),
      workerKills,
      redisRestart,
      postgresRestart,
      schedulerKill,
    ]);
    const loadSeconds = (Date.now() - startedAt) / 1000;
    // What each fault cost the API's callers: the answers of the 10 s after it, by status.
    for (const fault of faults) {
      const from = startedAt + fault.at * 1000;
      const answers: Record<string, number> = {};
      for (const answer of load.answers)
        if (answer.at >= from && answer.at < from + 10_000)
          answers[answer.status] = (answers[answer.status] ?? 0) + 1;
      fault.detail.answersInNext10s = answers;
    }

    // The clock stops with the load: a tick while the invariants are read (every minute) would
    // start runs that nothing drains, and runs_complete would find them running.
    await Promise.all(schedulers.map((scheduler) => scheduler.kill('SIGTERM')));
    say('load stopped; draining');
    const drainStart = Date.now();
    let sweeps = 0;
    let drained = false;
    let lastSweep = 0;
    const sweepEnv = baseEnv('sweep');
    while (Date.now() - drainStart < drainMs) {
      const open = await db
        .query(`SELECT count(*)::int AS n FROM operation_runs WHERE status <> 'completed'`)
        .then((r) => r.rows[0].n as number)
        .catch(() => -1);
      if (open === 0) {
        drained = true;
        break;
      }
      // The liveness sweep, as system cron (or the scheduler every 5 minutes) would run it.
      if (Date.now() - lastSweep > 20_000) {
        lastSweep = Date.now();
        sweeps++;
        await runCli(['runs:sweep'], sweepEnv);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const drainSeconds = (Date.now() - drainStart) / 1000;
    sampling = false;
    await sampler;

    say('checking the invariants');
    const invariants = await checkInvariants({
      db,
      redisUrl: redis.url,
      redisPrefix: REDIS_PREFIX,
      sim,
      load,
      entraTenantIds: tenants.map((t) => t.entraTenantId),
      logFiles: readdirSync(logs).map((file) => join(logs, file)),
      secrets: [
        SIM_CLIENT_SECRET,
        SECRETS_KEY,
        users.ownerA,
        users.operatorA,
        users.readonlyA,
        users.ownerB,
      ],
      observedDoubleActive,
      observedJobsWithoutRuns,
      unexpectedExits: processes.flatMap((p) => p.unexpectedExits),
    });

    const runs = (
      await db.query(
        `SELECT type, outcome, count(*)::int AS n FROM operation_runs GROUP BY 1, 2 ORDER BY 1, 2`,
      )
    ).rows;
    // Why the failed runs failed (their last failure's code): what the faults cost.
    const failedByCode = Object.fromEntries(
      (
        await db.query(
          `SELECT coalesce(failures -> -1 ->> 'code', 'none') AS code, count(*)::int AS n
             FROM operation_runs WHERE outcome = 'failed' GROUP BY 1 ORDER BY 2 DESC`,
        )
      ).rows.map((row) => [row.code, row.n]),
    );
    const failureExamples = (
      await db.query(
        `SELECT DISTINCT ON (code) code, id, type, message FROM (
           SELECT failures -> -1 ->> 'code' AS code, id, type, failures -> -1 ->> 'message' AS message
             FROM operation_runs WHERE outcome = 'failed') f ORDER BY code, id`,
      )
    ).rows;
    const graphRequests = tenants.reduce(
      (sum, t) => sum + sim.tenant(t.entraTenantId).requests.length,
      0,
    );
    const graphFaulted = tenants.reduce(
      (sum, t) =>
        sum +
        sim.tenant(t.entraTenantId).requests.filter((r) => r.status === 429 || r.status === 503)
          .length,
      0,
    );
    const holds = invariants.every((i) => i.holds);
    if (!holds) keepLogs = true;
    return {
      soak: 'tenantops',
      machine: machine(),
      settings: {
        loadStartedAt: new Date(startedAt).toISOString(),
        loadSeconds: Math.round(loadSeconds),
        processes: { api: 2, worker: 2, scheduler: 2 },
        virtualUsers: options.users,
        thinkMs: options.thinkMs,
        workerKillEverySeconds: killEvery / 1000,
        graphFaults: GRAPH_FAULTS,
        simSizes: SIM_SIZES,
        tenants: tenants.length,
        environment: {
          RUN_HEARTBEAT_SECONDS: 2,
          RUN_LOST_MINUTES: 1,
          RUN_STALE_QUEUED_MINUTES: 15,
          GRAPH_MAX_ATTEMPTS: 8,
        },
      },
      load: {
        ...summarise(load, runs, { graphRequests, graphFaulted }),
        failedRunsByCode: failedByCode,
        failureExamples,
      },
      faults: faults.sort((a, b) => a.at - b.at),
      drain: { seconds: Math.round(drainSeconds), sweeps, drained },
      invariants,
      holds,
      ...(keepLogs ? { logs } : {}),
    };
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await cleanup();
  }
}

/**
 * The time, moved past the scheduler's tick when it falls within a few seconds of a minute's start:
 * the Redis and PostgreSQL faults then never hide the tick the scheduler fault waits for.
 */
function clearOfTicks(at: number): number {
  const second = (at / 1000) % 60;
  if (second >= 56) return at + (70 - second) * 1000;
  if (second < 10) return at + (10 - second) * 1000;
  return at;
}

/** Two workspaces through the product's own services (one app context, closed after). */
async function seed(
  env: Record<string, string>,
  logPath: string,
): Promise<{ users: SoakUsers; tenants: SoakTenant[] }> {
  const sink = createWriteStream(logPath, { flags: 'a' });
  const app = await createApp(parseConfig({ ...env, APP_ROLES: 'api' }), {
    logging: { destination: { write: (line: string) => sink.write(line) } },
  });
  try {
    await app.init();
    const world = new World(app);
    const a = await world.workspace('Soak A');
    const b = await world.workspace('Soak B');
    const users: SoakUsers = {
      ownerA: (await a.member('owner')).token,
      operatorA: (await a.member('operator')).token,
      readonlyA: (await a.member('readonly')).token,
      ownerB: (await b.member('owner')).token,
    };
    const tenants: SoakTenant[] = [];
    for (const [workspace, builder, count] of [
      ['a', a, 2],
      ['b', b, 1],
    ] as const) {
      for (let i = 0; i < count; i++) {
        const tenant = await builder.tenant({ clientSecret: SIM_CLIENT_SECRET });
        tenants.push({
          id: tenant.id,
          entraTenantId: tenant.entraTenantId,
          workspace,
          scheduleIds: [],
          backupSetIds: [],
          itemIds: [],
        });
      }
    }
    return { users, tenants };
  } finally {
    await app.close();
    await new Promise((resolve) => sink.end(resolve));
  }
}

async function waitRun(
  load: LoadState,
  token: string,
  id: string,
  timeoutMs = 180_000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await load.api().get(`/operations/${id}`, { token });
    if (response.status === 200 && response.body.status === 'completed') return response.body;
    if (Date.now() > deadline) throw new Error(`run ${id} did not complete: ${response.text}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** What the load needs of a tenant: its inventory and groups, two schedules and a backup set. */
async function prepareTenant(load: LoadState, tenant: SoakTenant): Promise<void> {
  const token = load.ownerOf(tenant);
  const api = load.api();
  // Two inventory syncs, so that drift has two to compare from the start.
  for (const path of ['inventory/sync', 'inventory/sync', 'directory/groups/sync']) {
    const started = await api.post(`/tenants/${tenant.id}/${path}`, { token, body: {} });
    await waitRun(load, token, started.body.run.id);
  }
  for (const body of [
    {
      name: 'soak every minute',
      cron: '* * * * *',
      timezone: 'UTC',
      policyTypes: ['compliance_policy', 'device_configuration'],
      keepLast: 3,
    },
    {
      name: 'soak every 2 minutes',
      cron: '*/2 * * * *',
      timezone: 'America/New_York',
      policyTypes: ['enrollment_configuration'],
      overlapPolicy: 'allow',
    },
    {
      // The restores' source: run by hand once, its set kept (the others' expire as they fire).
      name: 'soak restore source',
      enabled: false,
      cron: '0 3 * * *',
      timezone: 'UTC',
      policyTypes: ['compliance_policy', 'device_configuration'],
      keepLast: 1000,
    },
  ]) {
    const created = await api.post(`/tenants/${tenant.id}/backup-schedules`, { token, body });
    if (created.status !== 201) throw new Error(`schedule: ${created.status} ${created.text}`);
    tenant.scheduleIds.push(created.body.id);
  }
  const source = tenant.scheduleIds.pop()!;
  const backup = await api.post(`/tenants/${tenant.id}/backup-schedules/${source}/run`, {
    token,
    body: {},
  });
  const run = await waitRun(load, token, backup.body.run.id);
  if (run.context?.backupSetId) tenant.backupSetIds.push(run.context.backupSetId);
  const items = await api.get(`/tenants/${tenant.id}/inventory/items?limit=200`, { token });
  tenant.itemIds.push(...(items.body.items ?? []).map((item: any) => item.id));
}

/**
 * Kills a scheduler between its runs' insert and its tick's commit: the private database's trigger
 * holds the tick's schedule update (inside the claiming transaction, after the fires' runs were
 * inserted) while armed; once a scheduler's session is seen waiting there (pg_stat_activity), that
 * process is SIGKILLed and started again. Its claim is rolled back; the runs it inserted stay.
 */
async function killSchedulerMidTick(
  db: pg.Pool,
  schedulers: AppProcess[],
  until: number,
  since: () => number,
): Promise<FaultRecord | null> {
  await db.query(`UPDATE soak_faults SET armed = true WHERE name = 'stall_schedule_advance'`);
  try {
    while (Date.now() < until) {
      const stalled = await db
        .query(
          `SELECT application_name AS name, pid, xact_start FROM pg_stat_activity
            WHERE application_name LIKE 'soak-scheduler-%' AND wait_event = 'PgSleep' LIMIT 1`,
        )
        .then((r) => r.rows[0])
        .catch(() => undefined);
      if (!stalled) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      const victim = schedulers.find((p) => `soak-${p.name}` === stalled.name)!;
      const inserted = (
        await db.query(
          `SELECT count(*)::int AS n FROM operation_runs
            WHERE type = 'backup_schedule_run' AND initiator_user_id IS NULL AND created_at >= $1`,
          [stalled.xact_start],
        )
      ).rows[0].n;
      await victim.kill('SIGKILL');
      await db.query(`UPDATE soak_faults SET armed = false WHERE name = 'stall_schedule_advance'`);
      const record: FaultRecord = {
        kind: 'scheduler_killed_mid_tick',
        at: since(),
        detail: { process: victim.name, runsInsertedBeforeKill: inserted },
      };
      await victim.start();
      return record;
    }
    return null;
  } finally {
    await db
      .query(`UPDATE soak_faults SET armed = false WHERE name = 'stall_schedule_advance'`)
      .catch(() => undefined);
  }
}

function summarise(
  load: LoadState,
  runs: { type: string; outcome: string; n: number }[],
  graph: { graphRequests: number; graphFaulted: number },
) {
  const byAction: Record<string, { requests: number; statuses: Record<string, number> }> = {};
  for (const answer of load.answers) {
    const entry = (byAction[answer.action] ??= { requests: 0, statuses: {} });
    entry.requests++;
    entry.statuses[answer.status] = (entry.statuses[answer.status] ?? 0) + 1;
  }
  const runsByType: Record<string, Record<string, number>> = {};
  for (const row of runs) (runsByType[row.type] ??= {})[row.outcome] = row.n;
  return {
    requests: load.answers.length,
    startsAccepted: load.answers.filter((a) => a.runId && (a.status === 202 || a.status === 200))
      .length,
    startsNew: load.answers.filter((a) => a.runId && a.status === 202).length,
    startsDeduplicated: load.answers.filter((a) => a.runId && a.status === 200 && a.deduplicated)
      .length,
    byAction,
    runsByType,
    ...graph,
  };
}

function machine(): Record<string, unknown> {
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { encoding: 'utf8' }).trim();
    } catch {
      return null;
    }
  };
  return {
    date: new Date().toISOString(),
    hostname: os.hostname(),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    loadAverage: os.loadavg().map((v) => Math.round(v * 100) / 100),
    gitCommit: git(['rev-parse', 'HEAD']),
    gitWorkingTreeDirty: git(['status', '--porcelain', '--untracked-files=no']) !== '',
  };
}
