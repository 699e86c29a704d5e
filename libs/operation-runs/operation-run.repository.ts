import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { preparedQuery, type Tx } from '#libs/common/db';
import type { RunIdentity } from './run-identity.js';
import type {
  IdentityScope,
  Json,
  OperationRun,
  RunFailure,
  RunOutcome,
  RunStatus,
  RunType,
} from './run-types.js';

const COLUMNS = `
  id, workspace_id AS "workspaceId", tenant_id AS "tenantId", type, status, outcome,
  initiator_user_id AS "initiatorUserId", initiator_name AS "initiatorName",
  identity_hash AS "identityHash", identity_scope AS "identityScope",
  summary_counts AS "summaryCounts", failures, context, attempts,
  created_at AS "createdAt", started_at AS "startedAt", completed_at AS "completedAt",
  heartbeat_at AS "heartbeatAt"`;

/** A row as selected by COLUMNS: the run, with initiator and identity still flat. */
type RunRow = Omit<OperationRun, 'initiator' | 'identity'> & {
  initiatorUserId: string | null;
  initiatorName: string | null;
  identityHash: string;
  identityScope: IdentityScope;
};

function toRun(row: RunRow): OperationRun {
  const { initiatorUserId, initiatorName, identityHash, identityScope, ...rest } = row;
  return {
    ...rest,
    initiator: initiatorName === null ? null : { userId: initiatorUserId, name: initiatorName },
    identity: { hash: identityHash, scope: identityScope },
  };
}

/** Writes the initiator's notification in the same statement as the run change it reports. */
const NOTIFY = (source: string, event: 'run.queued' | 'run.completed') => `
  INSERT INTO notifications (user_id, run_id, run_type, event, outcome, link)
  SELECT initiator_user_id, id, type, '${event}', ${event === 'run.completed' ? 'outcome' : 'NULL'},
         '/operations/' || id
    FROM ${source} WHERE initiator_user_id IS NOT NULL`;

export interface NewRun {
  id: string;
  workspaceId: string | null;
  tenantId: string | null;
  type: string;
  initiator: { userId: string; name: string } | null;
  identity: RunIdentity;
  context: Record<string, Json>;
}

export interface RunProgress {
  summaryCounts: Record<string, number>;
  failures: RunFailure[];
  context: Record<string, Json>;
}

/** What a run list can be narrowed by (the runs API's filters). */
export interface RunFilters {
  tenantId?: string;
  type?: string;
  status?: RunStatus;
  outcome?: RunOutcome;
  initiatorId?: string;
  createdFrom?: Date;
  createdTo?: Date;
  /** Runs whose context has this value at this key (e.g. `scheduleId`). */
  context?: { key: string; value: string };
}

export interface RunListFilter extends RunFilters {
  /** Workspaces where every type is visible, and workspaces limited to some types. */
  access: { allTypes: string[]; someTypes: { workspaceId: string; types: string[] }[] };
  /** Only runs with an id below this one (the keyset cursor). */
  before?: string;
  limit: number;
}

/** The run just inserted, as the database now holds it. */
function queuedRun(run: NewRun, createdAt: Date): OperationRun {
  return {
    id: run.id,
    workspaceId: run.workspaceId,
    tenantId: run.tenantId,
    type: run.type,
    status: 'queued',
    outcome: 'pending',
    initiator: run.initiator,
    identity: { hash: run.identity.hash, scope: run.identity.scope },
    summaryCounts: {},
    failures: [],
    context: run.context,
    attempts: 0,
    createdAt,
    startedAt: null,
    completedAt: null,
    heartbeatAt: null,
  };
}

/** The newest run of one type for one tenant, as the tenant's `lastRuns` shows it. */
export interface LatestRun {
  tenantId: string;
  type: string;
  id: string;
  status: RunStatus;
  outcome: RunOutcome;
  completedAt: Date | null;
}

const ACTIVE = `identity_scope = 'active' AND status IN ('queued', 'running')`;

/** Many runs in one statement: each defers to the unique index of its scope (any of them). */
const INSERT_MANY = `WITH inserted AS (
    INSERT INTO operation_runs (id, workspace_id, tenant_id, type, initiator_user_id, initiator_name,
                                identity_hash, identity_scope, identity_unique, context)
    SELECT id, workspace_id, tenant_id, type, initiator_user_id, initiator_name,
           identity_hash, identity_scope, identity_unique, context::jsonb
      FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::uuid[], $6::text[],
                  $7::text[], $8::text[], $9::boolean[], $10::text[])
        AS r(id, workspace_id, tenant_id, type, initiator_user_id, initiator_name,
             identity_hash, identity_scope, identity_unique, context)
    ON CONFLICT DO NOTHING
    RETURNING id, type, initiator_user_id, created_at
  ), queued_notification AS (${NOTIFY('inserted', 'run.queued')})
  SELECT id, created_at AS "createdAt" FROM inserted`;
/**
 * The executor's bookkeeping, each one statement for many runs (see `RunExecutor`). A run named
 * twice in one statement is updated once (PostgreSQL updates a row once per statement).
 */
const CLAIM_MANY = `WITH claimed AS (
    UPDATE operation_runs r
       SET status = 'running', started_at = coalesce(r.started_at, now()), heartbeat_at = now(),
           attempts = r.attempts + 1, summary_counts = '{}'::jsonb, failures = '[]'::jsonb
      FROM unnest($1::uuid[], $2::text[], $3::int[]) AS c(id, type, take_over)
     WHERE r.id = c.id AND r.type = c.type AND (r.status = 'queued' OR (
           c.take_over IS NOT NULL AND r.status = 'running'
           AND r.heartbeat_at < now() - make_interval(secs => c.take_over)))
    RETURNING r.*
  )
  SELECT ${COLUMNS} FROM claimed`;

const HEARTBEAT_MANY = `UPDATE operation_runs r
    SET heartbeat_at = now(), summary_counts = c.summary_counts::jsonb,
        failures = c.failures::jsonb, context = c.context::jsonb
   FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[])
     AS c(id, attempt, summary_counts, failures, context)
  WHERE r.id = c.id AND r.status = 'running' AND r.attempts = c.attempt
  RETURNING r.id, r.cancel_requested_at IS NOT NULL AS "cancelRequested"`;

const COMPLETE_MANY = `WITH done AS (
    UPDATE operation_runs r
       SET status = 'completed', outcome = c.outcome, completed_at = now(),
           summary_counts = c.summary_counts::jsonb, failures = c.failures::jsonb,
           context = c.context::jsonb
      FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[])
        AS c(id, outcome, summary_counts, failures, context, attempt)
     WHERE r.id = c.id AND r.status = 'running' AND r.attempts = c.attempt
    RETURNING r.*
  ), completed_notification AS (${NOTIFY('done', 'run.completed')})
  SELECT id, outcome, type, started_at AS "startedAt", completed_at AS "completedAt" FROM done`;

/** What a completion reports of the run it completed (for its log line and metrics). */
export interface CompletedRun {
  outcome: RunOutcome;
  type: RunType;
  startedAt: Date | null;
  completedAt: Date;
}

@Injectable()
export class OperationRunRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Inserts the runs, or finds the runs their identity constraints already hold, relying on the
   * unique indexes (no check-then-insert): one insert for all, with their queued notifications,
   * then — only if some were not inserted — one read of the holders of their identities. A run
   * missing from both (its holder finished in between) is for the caller to try again.
   */
  async insertManyOrGetExisting(
    runs: readonly NewRun[],
  ): Promise<{ created: OperationRun[]; holders: Map<string, OperationRun> }> {
    const column = <K extends keyof NewRun>(key: K) => runs.map((run) => run[key]);
    const inserted = await preparedQuery<{ id: string; createdAt: Date }>(
      this.db,
      'operation_runs_insert_many',
      INSERT_MANY,
      [
        column('id'),
        column('workspaceId'),
        column('tenantId'),
        column('type'),
        runs.map((run) => run.initiator?.userId ?? null),
        runs.map((run) => run.initiator?.name ?? null),
        runs.map((run) => run.identity.hash),
        runs.map((run) => run.identity.scope),
        runs.map((run) => run.identity.unique),
        runs.map((run) => JSON.stringify(run.context)),
      ],
    );
    const createdAt = new Map(inserted.map((row) => [row.id, row.createdAt]));
    const created = runs
      .filter((run) => createdAt.has(run.id))
      .map((run) => queuedRun(run, createdAt.get(run.id)!));
    const others = runs.filter((run) => !createdAt.has(run.id));
    const holders = new Map<string, OperationRun>();
    if (others.length) {
      const hashes = (unique: boolean) =>
        others.filter((run) => run.identity.unique === unique).map((run) => run.identity.hash);
      const rows: RunRow[] = await this.db.query(
        `SELECT ${COLUMNS} FROM operation_runs
          WHERE (identity_unique AND identity_hash = ANY($1))
             OR (${ACTIVE} AND identity_hash = ANY($2))`,
        [hashes(true), hashes(false)],
      );
      const byHash = new Map(rows.map((row) => [row.identityHash, toRun(row)]));
      for (const run of others) {
        const holder = byHash.get(run.identity.hash);
        if (holder) holders.set(run.id, holder);
      }
    }
    return { created, holders };
  }

  /**
   * The newest queued or running run of `type` in the workspace, created before `before`, whose
   * context has `value` at `key` (the run a schedule's fire would overlap). Reads the small
   * partial index of unfinished runs.
   */
  async findEarlierActive(filter: {
    workspaceId: string;
    type: string;
    context: { key: string; value: string };
    before: string;
  }): Promise<OperationRun | null> {
    const rows: RunRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM operation_runs
        WHERE status <> 'completed' AND workspace_id = $1 AND type = $2
          AND context ->> $3 = $4 AND id < $5
        ORDER BY id DESC LIMIT 1`,
      [filter.workspaceId, filter.type, filter.context.key, filter.context.value, filter.before],
    );
    return rows[0] ? toRun(rows[0]) : null;
  }

  /**
   * The newest run of each of `types` for each tenant, in one statement: one short read of the
   * `(tenant_id, type, id DESC)` index per tenant and type. Pairs without a run are left out.
   */
  async latestOfTenants(
    tenantIds: readonly string[],
    types: readonly string[],
  ): Promise<LatestRun[]> {
    if (!tenantIds.length || !types.length) return [];
    return this.db.query(
      `SELECT t.tenant_id AS "tenantId", r.type, r.id, r.status, r.outcome,
              r.completed_at AS "completedAt"
         FROM unnest($1::uuid[]) AS t (tenant_id)
        CROSS JOIN unnest($2::text[]) AS k (type)
        CROSS JOIN LATERAL (
          SELECT id, type, status, outcome, completed_at FROM operation_runs
           WHERE tenant_id = t.tenant_id AND type = k.type
           ORDER BY id DESC LIMIT 1
        ) r`,
      [tenantIds, types],
    );
  }

  /**
   * The queued or running runs of these types for these tenants (at most one per tenant and
   * type: the newest). Reads the small partial index of unfinished runs.
   */
  async findActiveOfTenants(
    tenantIds: readonly string[],
    types: readonly string[],
  ): Promise<OperationRun[]> {
    if (!tenantIds.length || !types.length) return [];
    const rows: RunRow[] = await this.db.query(
      `SELECT DISTINCT ON (tenant_id, type) ${COLUMNS} FROM operation_runs
        WHERE status <> 'completed' AND tenant_id = ANY($1) AND type = ANY($2)
        ORDER BY tenant_id, type, id DESC`,
      [tenantIds, types],
    );
    return rows.map(toRun);
  }

  async findById(id: string): Promise<OperationRun | null> {
    const rows: RunRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM operation_runs WHERE id = $1`,
      [id],
    );
    return rows[0] ? toRun(rows[0]) : null;
  }

  async findScope(
    id: string,
  ): Promise<{ workspaceId: string | null; tenantId: string | null; type: string } | null> {
    const rows = await this.db.query(
      `SELECT workspace_id AS "workspaceId", tenant_id AS "tenantId", type FROM operation_runs WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /**
   * queued → running for deliveries of their jobs, in one statement (the executor's group
   * commit): each answer, in order, is the claimed run or null when it is not queued (any more).
   * With `takeOverAfterSeconds` (a resumable type), a run still `running` whose heartbeat is
   * older than that is taken over too: Bull delivered its job again because the worker that held
   * it stopped renewing its lock (it was killed). `attempts` goes up either way, which fences
   * the previous holder out (its heartbeats and its completion name the attempt it claimed).
   * A run named twice is claimed once, by its first mention (a duplicate delivery in the same batch does nothing, as it would one statement later).
   */
  async claimMany(
    claims: readonly { id: string; type: string; takeOverAfterSeconds: number | null }[],
  ): Promise<(OperationRun | null)[]> {
    const rows = await preparedQuery<RunRow>(this.db, 'operation_runs_claim_many', CLAIM_MANY, [
      claims.map((claim) => claim.id),
      claims.map((claim) => claim.type),
      claims.map((claim) => claim.takeOverAfterSeconds),
    ]);
    const byId = new Map(rows.map((row) => [row.id, row]));
    return claims.map((claim) => {
      const row = byId.get(claim.id);
      byId.delete(claim.id);
      return row ? toRun(row) : null;
    });
  }

  /**
   * One heartbeat for many running runs (all those of a worker process), with the progress of
   * each. Returns, for the runs still running in the attempt named, whether a cancel was asked;
   * a run missing from the answer was swept as lost, completed elsewhere or taken over.
   */
  async heartbeatMany(
    beats: readonly { id: string; attempt: number; progress: RunProgress }[],
  ): Promise<Map<string, { cancelRequested: boolean }>> {
    if (beats.length === 0) return new Map();
    const rows = await preparedQuery<{ id: string; cancelRequested: boolean }>(
      this.db,
      'operation_runs_heartbeat_many',
      HEARTBEAT_MANY,
      [
        beats.map((beat) => beat.id),
        beats.map((beat) => beat.attempt),
        beats.map((beat) => JSON.stringify(beat.progress.summaryCounts)),
        beats.map((beat) => JSON.stringify(beat.progress.failures)),
        beats.map((beat) => JSON.stringify(beat.progress.context)),
      ],
    );
    return new Map(rows.map((row) => [row.id, { cancelRequested: row.cancelRequested }]));
  }

  /**
   * {@link complete} of many running runs in one statement, each in the attempt it names, with
   * the initiators' notifications: each answer, in order, is the outcome written or null (the run
   * was no longer running in that attempt). A run named twice is completed by its first mention.
   */
  async completeMany(
    completions: readonly {
      id: string;
      outcome: Exclude<RunOutcome, 'pending'>;
      progress: RunProgress;
      attempt: number;
    }[],
  ): Promise<(CompletedRun | null)[]> {
    const rows = await preparedQuery<CompletedRun & { id: string }>(
      this.db,
      'operation_runs_complete_many',
      COMPLETE_MANY,
      [
        completions.map((done) => done.id),
        completions.map((done) => done.outcome),
        completions.map((done) => JSON.stringify(done.progress.summaryCounts)),
        completions.map((done) => JSON.stringify(done.progress.failures)),
        completions.map((done) => JSON.stringify(done.progress.context)),
        completions.map((done) => done.attempt),
      ],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return completions.map((done) => {
      const row = byId.get(done.id);
      byId.delete(done.id);
      return row
        ? {
            outcome: row.outcome,
            type: row.type,
            startedAt: row.startedAt,
            completedAt: row.completedAt,
          }
        : null;
    });
  }

  /** running → queued, so the next delivery (a Bull retry) can claim it again. */
  async requeueForRetry(
    id: string,
    progress: RunProgress,
    attempt: number | null = null,
  ): Promise<boolean> {
    const rows: [unknown[], number] = await this.db.query(
      `UPDATE operation_runs SET status = 'queued', summary_counts = $2, failures = $3, context = $4
        WHERE id = $1 AND status = 'running' AND ($5::int IS NULL OR attempts = $5::int)
        RETURNING id`,
      [id, progress.summaryCounts, JSON.stringify(progress.failures), progress.context, attempt],
    );
    return rows[0].length > 0;
  }

  /**
   * Completes the run if it is in one of `from` (and, with `attempt`, still in that attempt), and
   * notifies its initiator; null otherwise.
   */
  async complete(
    id: string,
    from: RunStatus[],
    outcome: Exclude<RunOutcome, 'pending'>,
    progress: RunProgress,
    attempt: number | null = null,
    tx?: Tx,
  ): Promise<OperationRun | null> {
    const rows: RunRow[] = await (tx?.manager ?? this.db).query(
      `WITH done AS (
         UPDATE operation_runs
            SET status = 'completed', outcome = $3, completed_at = now(),
                summary_counts = $4, failures = $5, context = $6
          WHERE id = $1 AND status = ANY($2) AND ($7::int IS NULL OR attempts = $7::int)
          RETURNING *
       ), completed_notification AS (${NOTIFY('done', 'run.completed')})
       SELECT ${COLUMNS} FROM done`,
      [
        id,
        from,
        outcome,
        progress.summaryCounts,
        JSON.stringify(progress.failures),
        progress.context,
        attempt,
      ],
    );
    return rows[0] ? toRun(rows[0]) : null;
  }

  /** Marks a running run for cancellation; null when it is not running. */
  async requestCancel(id: string, tx?: Tx): Promise<OperationRun | null> {
    const rows: [RunRow[], number] = await (tx?.manager ?? this.db).query(
      `UPDATE operation_runs SET cancel_requested_at = coalesce(cancel_requested_at, now())
        WHERE id = $1 AND status = 'running'
        RETURNING ${COLUMNS}`,
      [id],
    );
    const row = rows[0]?.[0];
    return row ? toRun(row) : null;
  }

  /**
   * Runs queued before `before`, in id order after `after`: candidates for the sweep (checked
   * against Bull: dispatched again, or failed as stale, when their job is gone). Like the next one, spelled to read the small partial index of
   * unfinished runs.
   */
  async findQueuedBefore(
    before: Date,
    after: string | null,
    limit: number,
  ): Promise<{ id: string; type: string; createdAt: Date }[]> {
    return this.db.query(
      `SELECT id, type, created_at AS "createdAt" FROM operation_runs
        WHERE status <> 'completed' AND status = 'queued' AND created_at < $1
          AND ($2::uuid IS NULL OR id > $2)
        ORDER BY id LIMIT $3`,
      [before, after, limit],
    );
  }

  /** Fails every listed run still in `status`, with one failure, notifying initiators. */
  async failMany(ids: string[], status: RunStatus, failure: RunFailure): Promise<OperationRun[]> {
    if (ids.length === 0) return [];
    const rows: RunRow[] = await this.db.query(
      `WITH done AS (
         UPDATE operation_runs
            SET status = 'completed', outcome = 'failed', completed_at = now(),
                failures = failures || jsonb_build_array($3::jsonb)
          WHERE id = ANY($1) AND status = $2
          RETURNING *
       ), completed_notification AS (${NOTIFY('done', 'run.completed')})
       SELECT ${COLUMNS} FROM done`,
      [ids, status, JSON.stringify(failure)],
    );
    return rows.map(toRun);
  }

  /** Running runs whose last heartbeat is older than `before`. */
  async findSilentRunningBefore(before: Date, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT id FROM operation_runs
        WHERE status <> 'completed' AND status = 'running' AND heartbeat_at < $1 LIMIT $2`,
      [before, limit],
    );
    return rows.map((row) => row.id);
  }

  /** Deletes up to `limit` runs completed before `before`; returns how many. */
  async deleteCompletedBefore(before: Date, limit: number): Promise<number> {
    const rows: [unknown[], number] = await this.db.query(
      `DELETE FROM operation_runs WHERE id IN (
         SELECT id FROM operation_runs WHERE status = 'completed' AND completed_at < $1 LIMIT $2
       ) RETURNING id`,
      [before, limit],
    );
    return rows[1];
  }

  /**
   * One branch per workspace the caller may read (`workspace_id = $n`, never `= ANY(...)`, so each
   * branch walks an index in id order and stops after `limit` rows), merged newest first.
   */
  async list(filter: RunListFilter): Promise<OperationRun[]> {
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    const where: string[] = [];
    if (filter.tenantId) where.push(`tenant_id = ${param(filter.tenantId)}`);
    if (filter.type) where.push(`type = ${param(filter.type)}`);
    if (filter.status) {
      // Spelled so the planner can use the partial index of unfinished runs.
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
    if (filter.initiatorId) where.push(`initiator_user_id = ${param(filter.initiatorId)}`);
    if (filter.createdFrom) where.push(`created_at >= ${param(filter.createdFrom)}`);
    if (filter.createdTo) where.push(`created_at < ${param(filter.createdTo)}`);
    if (filter.context) {
      where.push(`context ->> ${param(filter.context.key)} = ${param(filter.context.value)}`);
    }
    if (filter.before) where.push(`id < ${param(filter.before)}`);
    const limit = param(filter.limit);
    const branches = [
      ...filter.access.allTypes.map((workspaceId) => ({ workspaceId, types: null })),
      ...filter.access.someTypes,
    ].map(({ workspaceId, types }) => {
      const conditions = [`workspace_id = ${param(workspaceId)}`, ...where];
      if (types) conditions.push(`type = ANY(${param(types)}::text[])`);
      return `SELECT ${COLUMNS} FROM operation_runs WHERE ${conditions.join(' AND ')} ORDER BY id DESC LIMIT ${limit}`;
    });
    if (branches.length === 0) return [];
    const sql =
      branches.length === 1
        ? branches[0]!
        : `SELECT * FROM (${branches.map((b) => `(${b})`).join(' UNION ALL ')}) runs ORDER BY id DESC LIMIT ${limit}`;
    const rows: RunRow[] = await this.db.query(sql, params);
    return rows.map(toRun);
  }
}
