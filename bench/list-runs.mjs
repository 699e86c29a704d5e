/* global process, Buffer, URLSearchParams, fetch, AbortSignal, performance -- Node.js globals (the ESLint config declares them for *.js only) */
/**
 * GET /operations latency over 1,000,000 runs in one workspace: p95 of filtered pages at depth
 * 1, 100 and 10,000, through the real HTTP API with an owner token. See bench/README.md.
 * Writes bench/results/list-runs.json (with EXPLAIN (ANALYZE, BUFFERS) of every case's SQL).
 *
 *   npm run build && npx swc test/support -d dist --quiet && node bench/list-runs.mjs
 *
 * Env (all optional): BENCH_RUNS (1000000), BENCH_SAMPLES (50 timed requests per case).
 */
import pg from 'pg';
import {
  cannon,
  coresUsed,
  cpuMonitor,
  log,
  machineInfo,
  requireBuild,
  runBenchmark,
  startProduct,
  summarize,
  waitForQuiet,
  writeResult,
} from './lib.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 1_000_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 50);
if (RUNS > 5_000_000 || SAMPLES > 500)
  throw new Error('Refusing: keep it bounded (≤ 5M runs, ≤ 500 samples).');
const PAGE = 50; // the API's default page size (no `limit` is sent)
const DEPTHS = [1, 100, 10_000];
const GOAL_P95_MS = 20;
const WARMUP_REQUESTS = 5;
const CASE_BUDGET_MS = 20_000;
const WALK_BUDGET_MS = 60_000;
const RETENTION_MS = 90 * 24 * 3600 * 1000; // runs span RUN_RETENTION_DAYS (90)
const UNFINISHED = 60; // the newest 60 runs: a third queued, a third running, a third completed

/** Share of runs per tenant (index into the tenants made) — one large customer, a long tail. */
const TENANT_WEIGHTS = [0.62, 0.16, 0.1, 0.07, 0.05];

/** The table's columns as OperationRunRepository selects them (COLUMNS). */
const COLUMNS = `
  id, workspace_id AS "workspaceId", tenant_id AS "tenantId", type, status, outcome,
  initiator_user_id AS "initiatorUserId", initiator_name AS "initiatorName",
  identity_hash AS "identityHash", identity_scope AS "identityScope",
  summary_counts AS "summaryCounts", failures, context, attempts,
  created_at AS "createdAt", started_at AS "startedAt", completed_at AS "completedAt",
  heartbeat_at AS "heartbeatAt"`;

/**
 * The SQL OperationRunRepository.list builds for an owner (every type visible in one workspace),
 * copied shape for shape, so EXPLAIN shows what the API runs.
 */
function repositoryListSql(workspaceId, filter, before, { singleWorkspaceEquality = true } = {}) {
  const params = [];
  const param = (value) => `$${params.push(value)}`;
  const where = [
    singleWorkspaceEquality
      ? `workspace_id = ${param(workspaceId)}` // what the API runs: one branch per workspace
      : `workspace_id = ANY(${param([workspaceId])}::uuid[])`, // the former shape, for comparison
  ];
  if (filter.tenantId) where.push(`tenant_id = ${param(filter.tenantId)}`);
  if (filter.type) where.push(`type = ${param(filter.type)}`);
  if (filter.status) {
    where.push(
      filter.status === 'completed'
        ? `status = 'completed'`
        : `status <> 'completed' AND status = ${param(filter.status)}`,
    );
  }
  if (filter.outcome) {
    where.push(
      filter.outcome === 'succeeded' || filter.outcome === 'pending'
        ? `outcome = ${param(filter.outcome)}`
        : `status = 'completed' AND outcome <> 'succeeded' AND outcome = ${param(filter.outcome)}`,
    );
  }
  if (before) where.push(`id < ${param(before)}`);
  const sql = `SELECT ${COLUMNS} FROM operation_runs WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ${param(PAGE + 1)}`;
  return { sql, params };
}

/** A plain equivalent of the filter, to count rows and find cursors. */
function plainWhere(workspaceId, filter) {
  const params = [workspaceId];
  const where = ['workspace_id = $1'];
  for (const [column, value] of Object.entries({
    tenant_id: filter.tenantId,
    type: filter.type,
    status: filter.status,
    outcome: filter.outcome,
  })) {
    if (value !== undefined) where.push(`${column} = $${params.push(value)}`);
  }
  return { where: where.join(' AND '), params };
}

const encodeCursor = (id) => Buffer.from(id).toString('base64url');

/**
 * Loads RUNS runs in chunks with INSERT … SELECT generate_series: ids are UUIDv7 built from
 * created_at (48-bit ms timestamp, version 7, variant 10xx), strictly increasing with it.
 */
async function loadRuns(db, { workspaceId, userId, tenants }) {
  const step = Math.floor(RETENTION_MS / RUNS); // ms between runs (jitter stays inside the step)
  const chunk = 250_000;
  // Bulk load only: skip the FK triggers (every referenced row exists by construction).
  await db.query(`SET session_replication_role = replica`);
  await db.query(`SELECT setseed(0.42)`);
  const [{ start }] = (
    await db.query(
      `SELECT date_trunc('second', now()) - make_interval(secs => $1::float8 / 1000) AS start`,
      [step * RUNS],
    )
  ).rows;
  const cumulative = TENANT_WEIGHTS.map((_, i) =>
    TENANT_WEIGHTS.slice(0, i + 1).reduce((a, b) => a + b, 0),
  );
  const tenantCase = `CASE ${cumulative
    .slice(0, -1)
    .map((edge, i) => `WHEN r_tenant < ${edge} THEN ${i + 1}`)
    .join(' ')} ELSE ${TENANT_WEIGHTS.length} END`;
  for (let lo = 1; lo <= RUNS; lo += chunk) {
    const hi = Math.min(RUNS, lo + chunk - 1);
    const began = Date.now();
    await db.query(
      `WITH g AS (
         SELECT i, random() AS r_type, random() AS r_tenant, random() AS r_outcome, random() AS r_init,
                random() AS r_jit, md5('id' || i) AS h
           FROM generate_series($1::int, $2::int) AS i
       ), t AS (
         SELECT g.*,
                $3::timestamptz + make_interval(secs => (i::float8 * $4 + floor(r_jit * ($4 - 1))) / 1000) AS created_at,
                CASE WHEN r_type < 0.55 THEN 'probe_active' WHEN r_type < 0.80 THEN 'probe_request'
                     WHEN r_type < 0.90 THEN 'probe_strict' ELSE 'probe_workspace' END AS type,
                CASE WHEN i <= $5 - ${UNFINISHED} THEN 'completed'
                     WHEN i % 3 = 0 THEN 'queued' WHEN i % 3 = 1 THEN 'running' ELSE 'completed' END AS status
           FROM g
       ), u AS (
         SELECT t.*,
                CASE WHEN status <> 'completed' THEN 'pending'
                     WHEN r_outcome < 0.88 THEN 'succeeded' WHEN r_outcome < 0.94 THEN 'failed'
                     WHEN r_outcome < 0.97 THEN 'partially_succeeded' WHEN r_outcome < 0.99 THEN 'skipped'
                     ELSE 'cancelled' END AS outcome,
                1 + i % 200 AS items
           FROM t
       )
       INSERT INTO operation_runs (id, workspace_id, tenant_id, type, status, outcome, initiator_user_id,
                                   initiator_name, identity_hash, identity_scope, identity_unique,
                                   summary_counts, failures, context, attempts, created_at, started_at,
                                   completed_at, heartbeat_at)
       SELECT (lpad(to_hex((extract(epoch FROM created_at) * 1000)::bigint), 12, '0') || '7' || substr(h, 1, 3)
                 || substr('89ab', 1 + i % 4, 1) || substr(h, 4, 15))::uuid,
              $6::uuid,
              CASE WHEN type = 'probe_workspace' THEN NULL ELSE ($7::uuid[])[${tenantCase}] END,
              type, status, outcome,
              CASE WHEN r_init < 0.3 THEN $8::uuid END,
              CASE WHEN r_init < 0.3 THEN 'Bench Owner' END,
              md5('identity' || i) || md5('hash' || i),
              CASE type WHEN 'probe_request' THEN 'per_request' WHEN 'probe_strict' THEN 'strict' ELSE 'active' END,
              type = 'probe_strict',
              CASE WHEN status = 'queued' THEN '{}'::jsonb
                   WHEN outcome IN ('failed', 'partially_succeeded')
                     THEN jsonb_build_object('total', items, 'succeeded', items / 2, 'failed', items - items / 2)
                   ELSE jsonb_build_object('total', items, 'succeeded', items) END,
              CASE WHEN outcome IN ('failed', 'partially_succeeded')
                     THEN jsonb_build_array(jsonb_build_object('code', 'graph.throttled',
                            'message', 'Microsoft Graph answered 429 Too Many Requests after 5 attempts.'))
                   ELSE '[]'::jsonb END,
              jsonb_build_object('key', 'policy-set-' || (i % 97)) ||
                CASE WHEN r_init < 0.3 THEN '{}'::jsonb
                     ELSE jsonb_build_object('scheduleId', md5('schedule' || (i % 13))::uuid) END,
              CASE WHEN status = 'queued' THEN 0 ELSE 1 END,
              created_at,
              CASE WHEN status <> 'queued' THEN created_at + interval '2 seconds' END,
              CASE WHEN status = 'completed' THEN created_at + make_interval(secs => 5 + items) END,
              CASE WHEN status = 'running' THEN now() END
         FROM u`,
      [lo, hi, start, step, RUNS, workspaceId, tenants, userId],
    );
    log(`loaded runs ${lo}..${hi} in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  }
  await db.query(`RESET session_replication_role`);
}

/** One timed request (fetch), with its parsed body: for checks, not for the figures. */
async function getPage(base, token, path) {
  const began = performance.now();
  const response = await fetch(`${base}${path}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(30_000),
  });
  const body = await response.json();
  if (response.status !== 200)
    throw new Error(`GET ${path}: ${response.status} ${JSON.stringify(body)}`);
  return { body, ms: performance.now() - began };
}

const query = (filter, cursor) => {
  const search = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== undefined));
  if (cursor) search.set('cursor', cursor);
  const text = search.toString();
  return `/operations${text ? `?${text}` : ''}`;
};

await runBenchmark('list-runs', 9.5 * 60_000, async () => {
  requireBuild();
  const machine = await machineInfo();
  const {
    world,
    api,
    tenantIds: tenants,
  } = await startProduct('list', { tenants: TENANT_WEIGHTS.length });
  const db = new pg.Client({ connectionString: world.url });
  await db.connect();
  try {
    const loadBegan = Date.now();
    await loadRuns(db, { workspaceId: world.workspaceId, userId: world.userId, tenants });
    const loadSeconds = (Date.now() - loadBegan) / 1000;
    const analyzeBegan = Date.now();
    // VACUUM too: sets the visibility map as autovacuum would after an insert-heavy period.
    await db.query('VACUUM (ANALYZE) operation_runs');
    const analyzeSeconds = (Date.now() - analyzeBegan) / 1000;
    const [stats] = (
      await db.query(`
        SELECT count(*)::int AS runs,
               count(DISTINCT tenant_id)::int AS tenants,
               bool_and(id::text ~ '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$') AS uuidv7_shaped,
               pg_size_pretty(pg_total_relation_size('operation_runs')) AS total_size,
               pg_size_pretty(pg_relation_size('operation_runs')) AS heap_size
          FROM operation_runs`)
    ).rows;
    const [{ ordered }] = (
      await db.query(`
        SELECT bool_and(ok) AS ordered FROM (
          SELECT created_at >= lag(created_at) OVER (ORDER BY id) IS NOT FALSE AS ok FROM operation_runs) s`)
    ).rows;
    const distribution = (
      await db.query(
        `SELECT type, status, outcome, count(*)::int AS runs FROM operation_runs GROUP BY 1, 2, 3 ORDER BY 4 DESC`,
      )
    ).rows;
    log(
      `dataset: ${JSON.stringify({ ...stats, idsIncreaseWithCreatedAt: ordered })}, load ${loadSeconds.toFixed(0)} s, vacuum+analyze ${analyzeSeconds.toFixed(0)} s`,
    );
    if (!stats.uuidv7_shaped || !ordered)
      throw new Error('ids are not UUIDv7-shaped and increasing with created_at');

    const filters = [
      { name: 'none', filter: {} },
      { name: 'tenantId', filter: { tenantId: tenants[0] } },
      { name: 'type', filter: { type: 'probe_active' } },
      {
        name: 'status=completed&outcome=failed',
        filter: { status: 'completed', outcome: 'failed' },
      },
      { name: 'status=queued', filter: { status: 'queued' } },
      // Not in the brief: a sparse combination (smallest tenant's failed runs, ~0.3% of rows).
      {
        name: 'tenantId(smallest)+status=completed&outcome=failed',
        filter: { tenantId: tenants[tenants.length - 1], status: 'completed', outcome: 'failed' },
        extra: true,
      },
    ];
    const machineBefore = await waitForQuiet();
    const cases = [];
    const overall = cpuMonitor(1000);
    for (const { name, filter, extra } of filters) {
      const { where, params } = plainWhere(world.workspaceId, filter);
      const [{ count: matching }] = (
        await db.query(`SELECT count(*)::int AS count FROM operation_runs WHERE ${where}`, params)
      ).rows;
      const pages = Math.max(1, Math.ceil(matching / PAGE));

      // Walk the first pages with nextCursor (as a client would) up to page 100, or the last page.
      const walkTo = Math.min(DEPTHS[1], pages);
      const walk = { pages: 0, latencyMs: null, cursors: new Map() };
      let cursor;
      const walkSamples = [];
      const walkBegan = Date.now();
      for (let page = 1; page <= walkTo && Date.now() - walkBegan < WALK_BUDGET_MS; page++) {
        if (page > 1) walk.cursors.set(page, cursor);
        const { body, ms } = await getPage(api.base, world.token, query(filter, cursor));
        walkSamples.push(ms);
        walk.pages = page;
        cursor = body.nextCursor;
        if (!cursor) break;
      }
      walk.latencyMs = summarize(walkSamples);

      for (const depth of DEPTHS) {
        const page = Math.min(depth, pages);
        const offset = (page - 1) * PAGE;
        let pageCursor;
        if (page > 1) {
          const [{ id }] = (
            await db.query(
              `SELECT id FROM operation_runs WHERE ${where} ORDER BY id DESC OFFSET $${params.length + 1} LIMIT 1`,
              [...params, offset - 1],
            )
          ).rows;
          pageCursor = encodeCursor(id);
        }
        const walkedCursor = walk.cursors.get(page);
        if (walkedCursor !== undefined && walkedCursor !== pageCursor) {
          throw new Error(`${name} page ${page}: the walked cursor differs from the computed one`);
        }
        const path = query(filter, pageCursor);
        const [{ id: expectedFirst }] = (
          await db.query(
            `SELECT id FROM operation_runs WHERE ${where} ORDER BY id DESC OFFSET $${params.length + 1} LIMIT 1`,
            [...params, offset],
          )
        ).rows;
        const expectedItems = Math.min(PAGE, matching - offset);

        // Warm-up (also the correctness check), then SAMPLES sequential timed requests.
        const warm = [];
        for (let i = 0; i < WARMUP_REQUESTS; i++)
          warm.push(await getPage(api.base, world.token, path));
        const { body } = warm[warm.length - 1];
        if (body.items.length !== expectedItems || body.items[0]?.id !== expectedFirst) {
          throw new Error(
            `${name} page ${page}: got ${body.items.length} items from ${body.items[0]?.id}, expected ${expectedItems} from ${expectedFirst}`,
          );
        }
        const warmMs = Math.min(...warm.map((w) => w.ms));
        const amount = Math.max(
          10,
          Math.min(SAMPLES, Math.floor(CASE_BUDGET_MS / Math.max(1, warmMs))),
        );
        let badBodies = 0;
        let timed;
        let cores;
        let attempts = 0;
        do {
          if (attempts > 0) {
            log(`${name} page ${page}: disturbed by other processes; measuring again`);
            await waitForQuiet();
          }
          attempts++;
          badBodies = 0;
          const monitor = cpuMonitor(200);
          timed = await cannon(
            {
              url: `${api.base}${path}`,
              headers: { authorization: `Bearer ${world.token}` },
              connections: 1,
              amount,
              timeout: 30,
            },
            {
              onBody: (text) => {
                try {
                  if (JSON.parse(text).items.length !== expectedItems) badBodies++;
                } catch {
                  badBodies++;
                }
              },
            },
          );
          cores = coresUsed(monitor.before, monitor.stop(), api.pid);
        } while (cores.disturbed && attempts < 2);
        const latencyMs = summarize(timed.samples);

        const before = pageCursor ? Buffer.from(pageCursor, 'base64url').toString() : undefined;
        const explainQuery = repositoryListSql(world.workspaceId, filter, before);
        const explain = async ({ sql, params: values }) => {
          const plan = (await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, values)).rows.map(
            (row) => row['QUERY PLAN'],
          );
          return {
            plan,
            ms: Number(/Execution Time: ([\d.]+) ms/.exec(plan.join('\n'))?.[1] ?? NaN),
          };
        };
        const { plan, ms: sqlMs } = await explain(explainQuery);
        // The same page in the former shape, `workspace_id = ANY($1::uuid[])`, which kept the
        // planner off the (workspace_id, …, id DESC) indexes. Not what the API runs any more.
        const variantQuery = repositoryListSql(world.workspaceId, filter, before, {
          singleWorkspaceEquality: false,
        });
        const variant = await explain(variantQuery);

        const result = {
          filter: name,
          extra: Boolean(extra),
          query: filter,
          matchingRuns: matching,
          pagesAvailable: pages,
          requestedDepth: depth,
          page,
          clamped: page !== depth,
          cursorFrom:
            page === 1
              ? 'none (first page)'
              : walkedCursor !== undefined
                ? 'nextCursor walk (checked against SQL)'
                : 'SQL: id at OFFSET (page-1)*50-1',
          items: expectedItems,
          samples: timed.samples.length,
          attempts,
          coresUsed: cores,
          statusCounts: timed.statusCounts,
          badBodies,
          latencyMs,
          sqlExecutionMs: sqlMs,
          goal: `p95 ≤ ${GOAL_P95_MS} ms`,
          met:
            latencyMs.p95 <= GOAL_P95_MS &&
            badBodies === 0 &&
            Object.keys(timed.statusCounts).join() === '200',
          explain: {
            sql: explainQuery.sql.replace(/\s+/g, ' ').trim(),
            params: explainQuery.params,
            plan,
          },
          variantWorkspaceAny: {
            note: 'the former shape, not what the API runs: workspace_id = ANY($1::uuid[]) instead of = $1',
            sqlExecutionMs: variant.ms,
            sql: variantQuery.sql.replace(/\s+/g, ' ').trim(),
            plan: variant.plan,
          },
        };
        cases.push(result);
        log(
          `${name.padEnd(32)} page ${String(page).padStart(5)}${result.clamped ? ` (of ${pages}; asked ${depth})` : ''}: p50 ${latencyMs.p50} ms, p95 ${latencyMs.p95} ms, SQL ${sqlMs} ms (variant ${variant.ms} ms) ${result.met ? 'OK' : 'MISS'}`,
        );
      }
      cases
        .filter((c) => c.filter === name)
        .forEach((c) => (c.walk = { pagesWalked: walk.pages, latencyMs: walk.latencyMs }));
    }

    const coresDuringMeasurement = coresUsed(overall.before, overall.stop(), api.pid);
    const misses = cases.filter((c) => !c.met);
    writeResult('list-runs', {
      benchmark: 'list-runs',
      machine,
      settings: {
        runs: RUNS,
        pageSize: PAGE,
        depths: DEPTHS,
        samplesPerCase: SAMPLES,
        warmupRequestsPerCase: WARMUP_REQUESTS,
        caller:
          'owner token (every type visible): GET /operations through the real HTTP API, one connection, sequential',
        apiProcess:
          'bench/bench-server.mjs: createApp() as dist/src/main.js, APP_ROLES=api, LOG_LEVEL=warn, NODE_ENV=production, + ProbeRunsModule',
        latency: 'client-side per request (autocannon response times, ms); p95 = nearest rank',
      },
      dataset: {
        ...stats,
        idsIncreaseWithCreatedAt: ordered,
        spanDays: RETENTION_MS / 86_400_000,
        tenantShares: TENANT_WEIGHTS,
        unfinishedNewest: UNFINISHED,
        distribution,
        loadSeconds,
        vacuumAnalyzeSeconds: analyzeSeconds,
        loadNote:
          'INSERT … SELECT generate_series in 250k chunks, FK triggers skipped (session_replication_role = replica), then VACUUM (ANALYZE)',
      },
      machineBefore,
      coresDuringMeasurement,
      summary: cases.map((c) => ({
        filter: c.filter,
        extra: c.extra,
        page: c.page,
        requestedDepth: c.requestedDepth,
        p50: c.latencyMs.p50,
        p95: c.latencyMs.p95,
        sqlMs: c.sqlExecutionMs,
        variantSqlMs: c.variantWorkspaceAny.sqlExecutionMs,
        met: c.met,
      })),
      goal: {
        p95Ms: GOAL_P95_MS,
        allMetInBrief: misses.filter((c) => !c.extra).length === 0,
        misses: misses.map((c) => `${c.filter} page ${c.page}${c.extra ? ' (extra case)' : ''}`),
      },
      cases,
    });
    for (const miss of misses) {
      process.stdout.write(
        `\nMISS ${miss.filter} page ${miss.page}: p95 ${miss.latencyMs.p95} ms\n${miss.explain.sql}\n${miss.explain.plan.join('\n')}\n`,
      );
    }
    process.stdout.write(
      `${JSON.stringify(
        cases.map(
          (c) => `${c.filter} p${c.page}: p95 ${c.latencyMs.p95} ms ${c.met ? 'OK' : 'MISS'}`,
        ),
        null,
        2,
      )}\n`,
    );
  } finally {
    await db.end();
    await api.stop();
  }
});
