import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { GRAPH_RESOURCES } from '#libs/graph';
import type { GraphSim } from '#libs/graph-sim';
import { parseRestoreMarker } from '#libs/policies';
import type { LoadState } from './load.js';

/**
 * What must hold at the end of a soak, whatever broke during it (Jepsen-style: the history and the
 * final state are checked, not each step). Each invariant is named in the report with its result
 * and, when it fails, examples of what broke it.
 */
export interface InvariantResult {
  name: string;
  holds: boolean;
  /** What was checked (counts), and up to a few examples when it does not hold. */
  detail: string;
}

export interface InvariantInputs {
  db: pg.Pool;
  redisUrl: string;
  redisPrefix: string;
  sim: GraphSim;
  load: LoadState;
  entraTenantIds: string[];
  logFiles: string[];
  /** Secret values that must not appear in any log line. */
  secrets: string[];
  /** Identities seen with two active runs at once while the soak ran (sampled). */
  observedDoubleActive: string[];
  /** Jobs seen in Redis, while the soak ran, whose run was not in PostgreSQL (sampled). */
  observedJobsWithoutRuns: string[];
  /** Exits of app processes the soak did not cause. */
  unexpectedExits: string[];
}

const examples = (items: unknown[]) =>
  items.length ? `; e.g. ${JSON.stringify(items.slice(0, 5))}` : '';

const result = (name: string, broken: unknown[], checked: string): InvariantResult => ({
  name,
  holds: broken.length === 0,
  detail: `${checked}; ${broken.length} broken${examples(broken)}`,
});

export async function checkInvariants(input: InvariantInputs): Promise<InvariantResult[]> {
  const { db, load } = input;
  const results: InvariantResult[] = [];
  const q = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) =>
    (await db.query<R>(sql, params)).rows;

  // 1. Every start the API accepted (202, or 200 naming the run holding the identity) has its run.
  const accepted = [
    ...new Set(
      load.answers
        .filter((a) => a.runId && (a.status === 202 || a.status === 200))
        .map((a) => a.runId!),
    ),
  ];
  const found = new Set(
    (
      await q<{ id: string }>('SELECT id FROM operation_runs WHERE id = ANY($1::uuid[])', [
        accepted,
      ])
    ).map((row) => row.id),
  );
  results.push(
    result(
      'accepted_starts_have_runs',
      accepted.filter((id) => !found.has(id)),
      `${accepted.length} runs named by accepted starts`,
    ),
  );

  // 2. Every run completed: none left queued or running once the liveness windows have passed.
  const unfinished = await q<{
    id: string;
    type: string;
    status: string;
    attempts: number;
    createdAt: Date;
  }>(
    `SELECT id, type, status, attempts, created_at AS "createdAt"
       FROM operation_runs WHERE status <> 'completed' ORDER BY id`,
  );
  const total = (await q<{ n: number }>('SELECT count(*)::int AS n FROM operation_runs'))[0]!.n;
  const span = unfinished.length
    ? ` (the unfinished created from ${unfinished[0]!.createdAt.toISOString()} to ${unfinished.at(-1)!.createdAt.toISOString()})`
    : '';
  results.push(result('runs_complete', unfinished, `${total} runs${span}`));

  // 3. Never two active runs of one identity: sampled while running, and the history.
  const activeScope = await q<IdentityRunLife>(
    `SELECT id, identity_hash AS hash, created_at AS "createdAt", completed_at AS "completedAt"
       FROM operation_runs WHERE identity_scope = 'active'`,
  );
  results.push(
    result(
      'one_active_run_per_identity',
      [...input.observedDoubleActive, ...overlappingRuns(activeScope)],
      `active identities sampled every second and the history of ${activeScope.length} runs`,
    ),
  );

  // 4. Never two runs for one scheduled fire (schedule + fire time).
  const doubleFires = await q<{ schedule: string; fire: string; runs: number }>(
    `SELECT context ->> 'scheduleId' AS schedule, context ->> 'scheduledFor' AS fire, count(*)::int AS runs
       FROM operation_runs
      WHERE type = 'backup_schedule_run' AND context ? 'scheduledFor'
      GROUP BY 1, 2 HAVING count(*) > 1`,
  );
  const fires = (
    await q<{ n: number }>(
      `SELECT count(*)::int AS n FROM operation_runs WHERE type = 'backup_schedule_run' AND context ? 'scheduledFor'`,
    )
  )[0]!.n;
  results.push(result('one_run_per_scheduled_fire', doubleFires, `${fires} scheduled fires`));

  // 5. No Graph write applied twice for one restore item: each marked create exists once.
  const marks = new Map<string, number>();
  for (const entraId of input.entraTenantIds) {
    const tenant = input.sim.tenant(entraId);
    for (const resource of GRAPH_RESOURCES) {
      for (const item of tenant.items(resource)) {
        const marker = parseRestoreMarker(item.description);
        if (!marker) continue;
        const key = `${marker.restoreRunId}/${marker.item}`;
        marks.set(key, (marks.get(key) ?? 0) + 1);
      }
    }
  }
  const createdTwice: unknown[] = [...marks]
    .filter(([, n]) => n > 1)
    .map(([key, n]) => ({ key, n }));
  // And every item recorded as created is in Graph (its marker found), once.
  const recorded = await q<{ key: string }>(
    `SELECT restore_run_id || '/' || position AS key FROM restore_run_items WHERE result = 'created'`,
  );
  for (const { key } of recorded) if (!marks.has(key)) createdTwice.push({ key, inGraph: 0 });
  results.push(
    result(
      'restore_writes_once',
      createdTwice,
      `${marks.size} restore items created in Graph, ${recorded.length} recorded as created`,
    ),
  );

  // 6. Every Bull job refers to an existing run: sampled while running, and at the end.
  const atEnd = await jobsWithoutRuns(db, input.redisUrl, input.redisPrefix);
  results.push(
    result(
      'bull_jobs_have_runs',
      [...input.observedJobsWithoutRuns, ...atEnd.orphans],
      `jobs in Redis sampled every 5 s, and ${atEnd.jobs} at the end`,
    ),
  );

  // 7. Counts add up: answers and runs, statuses and outcomes, restores and their items.
  const broken: unknown[] = [];
  const newRuns = load.answers.filter((a) => a.status === 202 && a.runId).map((a) => a.runId!);
  if (new Set(newRuns).size !== newRuns.length)
    broken.push({ twoNewAnswersForOneRun: newRuns.length - new Set(newRuns).size });
  const byStatus = await q<{ status: string; outcome: string; n: number }>(
    `SELECT status, outcome, count(*)::int AS n FROM operation_runs GROUP BY 1, 2`,
  );
  const completed = byStatus.filter((r) => r.status === 'completed');
  if (
    completed.some((r) => r.outcome === 'pending') ||
    byStatus.some((r) => r.status !== 'completed' && r.outcome !== 'pending')
  )
    broken.push({ statusOutcomeMismatch: byStatus });
  if (byStatus.reduce((sum, r) => sum + r.n, 0) !== total) broken.push({ statusTotal: byStatus });
  const restoreCounts = await q<{ id: string; counts: Record<string, number>; items: number }>(
    `SELECT r.id, r.summary_counts AS counts,
            (SELECT count(*)::int FROM restore_run_items i JOIN restore_runs rr ON rr.id = i.restore_run_id
              WHERE rr.operation_run_id = r.id) AS items
       FROM operation_runs r
      WHERE r.type = 'restore_execute' AND r.outcome IN ('succeeded', 'partially_succeeded')`,
  );
  for (const run of restoreCounts) {
    const c = run.counts;
    const sum = ['created', 'updated', 'skipped', 'unchanged', 'failed'].reduce(
      (s, k) => s + (c[k] ?? 0),
      0,
    );
    if (c.total !== run.items || sum !== c.total)
      broken.push({ restoreRun: run.id, counts: c, items: run.items });
  }
  const starts = load.answers.filter((a) => a.runId);
  results.push(
    result(
      'counts_add_up',
      broken,
      `${starts.length} start answers (${newRuns.length} new runs); ${total} runs by status and outcome; ${restoreCounts.length} restores against their items`,
    ),
  );

  // 8. No secret or token in any log line.
  const scan = scanLogs(
    input.logFiles.map((file) => ({
      name: file.split('/').pop()!,
      text: readFileSync(file, 'utf8'),
    })),
    input.secrets,
  );
  results.push(
    result(
      'no_secrets_in_logs',
      scan.leaks,
      `${scan.lines} log lines of ${input.logFiles.length} processes`,
    ),
  );

  // 9. The API never failed a request: no 5xx but 503 (as problem+json), every 4xx a problem.
  const badAnswers = load.answers
    .filter(
      (a) =>
        (a.status >= 500 && a.status !== 503) || (a.status >= 400 && !a.problem) || a.status === 0,
    )
    .map((a) => `${a.method} ${a.route} → ${a.status}`);
  results.push(
    result('api_answers_problems_never_500', badAnswers, `${load.answers.length} answers`),
  );

  // 10. What the load checked on the spot: no record of another workspace, replays name their run.
  results.push(
    result('no_one_gets_in', load.violations, 'cross-workspace reads, idempotent replays, lists'),
  );

  // 11. No app process exited by itself (only the ones the soak killed).
  results.push(
    result('no_process_exits', input.unexpectedExits, 'api, worker and scheduler processes'),
  );

  // 12. Nothing a user started was dropped: no run failed for a job Redis lost or a stale queue.
  const dropped = await q<{ id: string; type: string; code: string }>(
    `SELECT id, type, f ->> 'code' AS code FROM operation_runs, jsonb_array_elements(failures) f
      WHERE f ->> 'code' = 'run.stale_queued'`,
  );
  results.push(result('lost_jobs_dispatched_again', dropped, 'runs failed as run.stale_queued'));
  return results;
}

/** Shapes of credentials whatever their value: what the redactor must have replaced. */
const CREDENTIAL_SHAPES = [
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/, // a JWT (a Graph access token)
  /\bBearer\s+(?!\[redacted\])[A-Za-z0-9._~+/-]{8,}/i,
  /\btops_[A-Za-z0-9_-]{8,}/, // an API token
  /\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@"]*:(?!\[redacted\])[^@\s/"]+@/i, // a URL with a password
];

/**
 * Log lines holding a known secret value (a client secret, SECRETS_KEY, an API token) or anything
 * shaped like a credential: each leak names its log and what leaked, never the value.
 */
export function scanLogs(
  logs: { name: string; text: string }[],
  secrets: string[],
): { lines: number; leaks: string[] } {
  const leaks: string[] = [];
  let lines = 0;
  for (const { name, text } of logs) {
    text.split('\n').forEach((line, index) => {
      if (!line) return;
      lines++;
      const secret = secrets.some((value) => line.includes(value));
      const shape = CREDENTIAL_SHAPES.find((pattern) => pattern.test(line));
      if (secret || shape)
        leaks.push(`${name}:${index + 1}: ${secret ? 'a known secret' : String(shape)}`);
    });
  }
  return { lines, leaks };
}

/** One run's life, as the history of its identity shows it. */
export interface IdentityRunLife {
  id: string;
  hash: string;
  createdAt: Date;
  completedAt: Date | null;
}

/**
 * The runs of one identity whose lives overlapped: a run created before one created earlier had
 * completed. Runs are taken in the order they were created, not in id order: a run's id is drawn
 * before its insert, and the insert may land after another request's (the 202 of a start that
 * raced the identity's holder to completion). `slackMs`: `created_at` is its statement's `now()`,
 * so an insert that waited on the completion of the identity's holder (the unique index) carries a
 * time before that completion's `completed_at`; real overlaps are caught by the samples too.
 */
export function overlappingRuns(
  runs: IdentityRunLife[],
  slackMs = 100,
): { hash: string; first: string; second: string }[] {
  const byIdentity = new Map<string, IdentityRunLife[]>();
  for (const run of runs) {
    const lives = byIdentity.get(run.hash);
    if (lives) lives.push(run);
    else byIdentity.set(run.hash, [run]);
  }
  const overlaps: { hash: string; first: string; second: string }[] = [];
  for (const [hash, lives] of byIdentity) {
    lives.sort((a, b) => +a.createdAt - +b.createdAt || a.id.localeCompare(b.id));
    let holder: IdentityRunLife | undefined; // of the runs so far, the one completed last
    for (const run of lives) {
      const holderEnd = holder ? (holder.completedAt?.getTime() ?? Infinity) : -Infinity;
      if (run.createdAt.getTime() < holderEnd - slackMs)
        overlaps.push({ hash, first: holder!.id, second: run.id });
      if ((run.completedAt?.getTime() ?? Infinity) > holderEnd) holder = run;
    }
  }
  return overlaps;
}

/** The jobs Bull holds under the prefix whose run PostgreSQL does not have. */
export async function jobsWithoutRuns(
  db: pg.Pool,
  redisUrl: string,
  prefix: string,
): Promise<{ jobs: number; orphans: string[] }> {
  const ids = await bullJobIds(redisUrl, prefix);
  const known = new Set(
    (
      await db.query<{ id: string }>('SELECT id FROM operation_runs WHERE id = ANY($1::uuid[])', [
        ids,
      ])
    ).rows.map((row) => row.id),
  );
  return { jobs: ids.length, orphans: ids.filter((id) => !known.has(id)) };
}

/** The run ids of every job Bull holds under the prefix (job hashes and queue lists). */
async function bullJobIds(url: string, prefix: string): Promise<string[]> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => undefined); // a restart on purpose: the sample is skipped
  const ids = new Set<string>();
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const last = key.split(':').at(-1)!;
        if (uuid.test(last)) ids.add(last);
        if (/:(wait|active|paused)$/.test(key))
          for (const id of await redis.lrange(key, 0, -1)) if (uuid.test(id)) ids.add(id);
        if (/:(delayed|completed|failed)$/.test(key))
          for (const id of await redis.zrange(key, 0, -1)) if (uuid.test(id)) ids.add(id);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return [...ids];
}
