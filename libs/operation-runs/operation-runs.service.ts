import { Injectable, Logger } from '@nestjs/common';
import DataLoader from 'dataloader';
import type { Principal } from '#libs/authz';
import { RecordNotFoundError } from '#libs/common/errors';
import { isUuid, uuidv7 } from '#libs/common/ids';
import { decodeCursor, pageOf, type Page } from '#libs/common/pagination';
import { sanitizeMessage } from '#libs/common/redaction';
import { Metrics } from '#libs/metrics';
import { TransactionRunner } from '#libs/common/db';
import { AuditService, type Actor } from '#libs/tenancy';
import {
  OperationRunRepository,
  type LatestRun,
  type NewRun,
  type RunFilters,
  type RunListFilter,
} from './operation-run.repository.js';
import { OperationRunsError, OperationRunsErrorCode } from './operation-runs.errors.js';
import { RunDispatcher } from './run-dispatcher.js';
import { runIdentity } from './run-identity.js';
import { RunLivenessService } from './run-liveness.service.js';
import { RunTypeRegistry } from './run-type.registry.js';
import type { IdentityScope, Json, OperationRun, RunType, RunTypeInputs } from './run-types.js';

export interface StartRunRequest<T extends RunType> {
  type: T;
  /** Null only for system-wide types. */
  workspaceId: string | null;
  tenantId: string | null;
  inputs: RunTypeInputs[T];
  /** The caller; null for the scheduler and the system (no initiator, no notification). */
  initiator: Principal | null;
  /** Replaces the per-request nonce: a retried request returns the original run. */
  idempotencyKey?: string;
  /** Links and facts kept with the run (scheduleId, scheduledFor, …); never secrets. */
  context?: Record<string, Json>;
  /** One of the type's `alsoScopes` instead of its own scope (e.g. the scheduler's strict start). */
  scope?: IdentityScope;
}

export interface StartedRun {
  run: OperationRun;
  deduplicated: boolean;
}

export type RunPage = Page<OperationRun>;

export interface ListRunsQuery extends RunFilters {
  limit?: number;
  cursor?: string;
}

/** The answer to a start whose job could not be queued: 503 naming the run, recorded as failed. */
function dispatchFailed(run: OperationRun): OperationRunsError {
  return new OperationRunsError(
    OperationRunsErrorCode.DispatchFailed,
    `Run ${run.id} could not be queued and was recorded as failed; try again shortly.`,
    undefined,
    { runId: run.id, instance: `/operations/${run.id}` },
  );
}

/**
 * Whether PostgreSQL refused a row's values (data exception, integrity violation other than the
 * unique indexes the insert defers to): the statement wrote nothing, and one row is at fault.
 */
function isRowError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/** How many times a start re-reads when its identity's holder finished mid-statement. */
const IDENTITY_RACE_RETRIES = 5;

/** The most starts of one turn written by one statement (one array per column). */
const MAX_BATCH = 500;

/**
 * The one way to start a run, for every surface (HTTP, scheduler, CLI): authorise, build the
 * identity, insert-or-return-existing by constraint, then enqueue `{ runId }`.
 *
 * Starts are written in batches: the starts made in one turn of the event loop (every request
 * that arrived together) share one insert and one Redis transaction per queue, as a database's
 * group commit shares a WAL flush. Each start keeps its own answer — its run, deduplicated or
 * not, or its own error — and a lone start is a batch of one, written in the same turn.
 */
@Injectable()
export class OperationRunsService {
  private readonly logger = new Logger(OperationRunsService.name);
  private readonly batches = new DataLoader<NewRun, StartedRun>(
    async (runs) => {
      try {
        return await this.answer(runs);
      } catch (error) {
        if (runs.length === 1 || !isRowError(error)) throw error;
        // One start's row failed the shared insert (which then wrote nothing): each start is
        // written on its own, so that only the one at fault fails.
        return Promise.all(
          runs.map((run) =>
            this.answer([run]).then(
              ([answer]) => answer!,
              (e: Error) => e,
            ),
          ),
        );
      }
    },
    { cache: false, maxBatchSize: MAX_BATCH, batchScheduleFn: (flush) => setImmediate(flush) },
  );

  constructor(
    private readonly registry: RunTypeRegistry,
    private readonly runs: OperationRunRepository,
    private readonly dispatcher: RunDispatcher,
    private readonly liveness: RunLivenessService,
    private readonly metrics: Metrics,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  /**
   * Starts one run: `{ run, deduplicated: false }` for a new run, `{ run, deduplicated: true }`
   * with the run holding its identity, or OperationRunsError(DispatchFailed) naming the run when
   * its job could not be queued (the run is then completed as `dispatch.failed`).
   */
  async start<T extends RunType>(request: StartRunRequest<T>): Promise<StartedRun> {
    return this.batches.load(this.prepare(request));
  }

  /** Each start's answer: its run (new or deduplicated), or the error of a failed dispatch. */
  private async answer(runs: readonly NewRun[]): Promise<(StartedRun | Error)[]> {
    const { started, undispatched } = await this.startPrepared(runs);
    return started.map((s) => (undispatched.has(s.run.id) ? dispatchFailed(s.run) : s));
  }

  /**
   * Starts many runs at once with the guarantees of {@link start}, for the scheduler, which starts
   * thousands. Never throws for a dispatch failure: those runs come back completed as
   * `dispatch.failed`.
   */
  async startMany(requests: StartRunRequest<RunType>[]): Promise<StartedRun[]> {
    return (await this.startPrepared(requests.map((request) => this.prepare(request)))).started;
  }

  /**
   * One insert for all (each identity deferring to its unique index), one read of the holders of
   * those that were deduplicated, one bulk add per queue for the new runs. `undispatched` names the
   * new runs whose jobs could not be queued, already completed as `dispatch.failed`.
   */
  private async startPrepared(
    prepared: readonly NewRun[],
  ): Promise<{ started: StartedRun[]; undispatched: Set<string> }> {
    const results = new Map<string, StartedRun>();
    let pending = prepared;
    for (let attempt = 0; pending.length && attempt < IDENTITY_RACE_RETRIES; attempt++) {
      const { created, holders } = await this.runs.insertManyOrGetExisting(pending);
      for (const run of created) results.set(run.id, { run, deduplicated: false });
      // Never a dead end: an active identity held by a run that can no longer finish (no job,
      // or no heartbeat) is freed — that run failed as the sweep would fail it — and the start
      // tries again, so it makes the new run (or finds the one a concurrent start just made).
      const replaced = new Set(
        await this.liveness.failUnfinishable(
          [...holders.values()].filter((run) => run.identity.scope === 'active'),
        ),
      );
      for (const [id, run] of holders) {
        if (!replaced.has(run.id)) results.set(id, { run, deduplicated: true });
      }
      pending = pending.filter((run) => !results.has(run.id));
    }
    if (pending.length) throw new Error(`${pending.length} run identities kept changing hands.`);
    const started = prepared.map((run) => results.get(run.id)!);
    const undispatched = await this.dispatchNew(
      started.filter((s) => !s.deduplicated).map((s) => s.run),
    );
    await this.redispatch(
      started.filter((s) => s.deduplicated && s.run.status === 'queued').map((s) => s.run),
    );
    this.countStarts(started, undispatched);
    return { started, undispatched };
  }

  /** Counters only (one increment per type and result of the batch): the start path stays lean. */
  private countStarts(started: readonly StartedRun[], undispatched: Set<string>): void {
    const counts = new Map<string, { type: string; result: string; n: number }>();
    for (const { run, deduplicated } of started) {
      const result = deduplicated
        ? 'deduplicated'
        : undispatched.has(run.id)
          ? 'dispatch_failed'
          : 'created';
      const key = `${run.type}\0${result}`;
      const entry = counts.get(key);
      if (entry) entry.n++;
      else counts.set(key, { type: run.type, result, n: 1 });
    }
    for (const { type, result, n } of counts.values())
      this.metrics.runStarts.inc({ type, result }, n);
    for (const id of undispatched) {
      const run = started.find((s) => s.run.id === id)?.run;
      if (run) this.metrics.runCompletions.inc({ type: run.type, outcome: 'failed' });
    }
  }

  /** Authorises the start and builds the row: the identity, the initiator, the context. */
  private prepare<T extends RunType>(request: StartRunRequest<T>): NewRun {
    const definition = this.registry.get(request.type);
    if (request.workspaceId === null) {
      if (!definition.systemWide) throw new Error(`Run type ${request.type} needs a workspace.`);
    } else if (
      request.initiator &&
      !request.initiator.can(definition.capability, request.workspaceId)
    ) {
      throw new OperationRunsError(
        OperationRunsErrorCode.NotAllowed,
        `Starting ${definition.label} requires the ${definition.capability} capability.`,
      );
    }
    if (definition.tenantScoped !== (request.tenantId !== null)) {
      throw new Error(
        `Run type ${request.type} is ${definition.tenantScoped ? '' : 'not '}tenant-scoped.`,
      );
    }
    const scope = request.scope ?? definition.scope;
    if (scope !== definition.scope && !definition.alsoScopes?.includes(scope)) {
      throw new Error(`Run type ${request.type} cannot be started with ${scope} identity.`);
    }
    const identity = runIdentity(
      scope,
      {
        type: request.type,
        workspaceId: request.workspaceId,
        tenantId: request.tenantId,
        inputs: definition.identity(request.inputs),
      },
      { idempotencyKey: request.idempotencyKey, callerId: request.initiator?.user.id ?? null },
    );
    return {
      id: uuidv7(),
      workspaceId: request.workspaceId,
      tenantId: request.tenantId,
      type: request.type,
      initiator: request.initiator
        ? { userId: request.initiator.user.id, name: request.initiator.user.name }
        : null,
      identity,
      context: {
        ...(request.inputs as unknown as Record<string, Json>),
        ...request.context,
        // Ties the HTTP call to its execution: the worker's log lines about the run carry it.
        ...(request.initiator?.requestId ? { requestId: request.initiator.requestId } : {}),
      },
    };
  }

  /**
   * Queues new runs; the runs of a queue that would not take them are completed as
   * `dispatch.failed` (updated in place) and their ids returned.
   */
  private async dispatchNew(runs: OperationRun[]): Promise<Set<string>> {
    if (!runs.length) return new Set();
    const failures = await this.dispatcher.enqueueMany(runs);
    if (!failures.length) return new Set();
    const failed = new Map<string, OperationRun>();
    for (const { runs: lost, error } of failures) {
      const message = sanitizeMessage(`The job could not be queued: ${error.message}`);
      const ids = lost.map((run) => run.id);
      for (const run of await this.runs.failMany(ids, 'queued', {
        code: 'dispatch.failed',
        message,
      })) {
        failed.set(run.id, run);
      }
      this.logger.error({ runIds: ids, err: error }, 'Dispatch failed; runs completed as failed');
    }
    for (const run of runs) Object.assign(run, failed.get(run.id) ?? {});
    return new Set(runs.filter((run) => run.status === 'completed').map((run) => run.id));
  }

  /**
   * A duplicate start of a queued run re-adds its job: a no-op when the job exists (same job id),
   * and a repair when the process that created the run died before enqueueing it.
   */
  private async redispatch(runs: OperationRun[]): Promise<void> {
    if (!runs.length) return;
    for (const { runs: missed, error } of await this.dispatcher.enqueueMany(runs)) {
      this.logger.warn(
        { runIds: missed.map((run) => run.id), err: error },
        'Could not re-enqueue deduplicated runs',
      );
    }
  }

  /**
   * The newest unfinished run of the same type and workspace as `run`, created before it, with
   * the same value at `contextKey` (e.g. the previous run of a schedule): null when there is none.
   */
  findEarlierActive(run: OperationRun, contextKey: string): Promise<OperationRun | null> {
    const value = run.context[contextKey];
    if (run.workspaceId === null || typeof value !== 'string') return Promise.resolve(null);
    return this.runs.findEarlierActive({
      workspaceId: run.workspaceId,
      type: run.type,
      context: { key: contextKey, value },
      before: run.id,
    });
  }

  /** The queued or running runs of these types for these tenants (the newest of each pair). */
  findActiveOfTenants(
    tenantIds: readonly string[],
    types: readonly RunType[],
  ): Promise<OperationRun[]> {
    return this.runs.findActiveOfTenants(tenantIds, types);
  }

  /** The newest run of each of `types` for each of the tenants, read in one statement. */
  latestOfTenants(tenantIds: readonly string[], types: readonly RunType[]): Promise<LatestRun[]> {
    return this.runs.latestOfTenants(tenantIds, types);
  }

  async get(id: string): Promise<OperationRun> {
    const run = isUuid(id) ? await this.runs.findById(id) : null;
    if (!run) throw new RecordNotFoundError('Operation run');
    return run;
  }

  /** Runs the caller may see: their workspaces, and in each only the types they may view. */
  async list(principal: Principal, query: ListRunsQuery): Promise<RunPage> {
    const limit = query.limit ?? 50;
    if (query.type !== undefined && !this.registry.find(query.type)) {
      throw new OperationRunsError(
        OperationRunsErrorCode.InvalidFilter,
        `Unknown run type "${query.type}".`,
        [
          {
            field: 'type',
            messages: [
              `type must be one of: ${this.registry
                .all()
                .map((d) => d.type)
                .join(', ')}`,
            ],
          },
        ],
      );
    }
    const before =
      query.cursor === undefined
        ? undefined
        : decodeCursor(query.cursor, 1, ([id]) => isUuid(id))[0];
    const { cursor: _cursor, ...filters } = query;
    const filter: RunListFilter = {
      ...filters,
      access: this.accessOf(principal),
      before,
      limit: limit + 1,
    };
    const rows = await this.runs.list(filter);
    return pageOf(
      rows,
      limit,
      (run) => [run.id],
      (run) => run,
    );
  }

  private accessOf(principal: Principal): RunListFilter['access'] {
    const everyType = this.registry.all().map((definition) => definition.type);
    const access: RunListFilter['access'] = { allTypes: [], someTypes: [] };
    for (const workspaceId of principal.workspaceIds()) {
      const types = this.registry.typesViewableWith((capability) =>
        principal.can(capability, workspaceId),
      );
      if (types.length === everyType.length) access.allTypes.push(workspaceId);
      else if (types.length > 0) access.someTypes.push({ workspaceId, types });
    }
    return access;
  }

  /**
   * Cancels a queued run at once; asks a running one to stop at its next heartbeat. The request
   * is audited (`operation_run.cancel`) in the transaction that makes it.
   */
  async cancel(id: string, actor: Actor): Promise<OperationRun> {
    const run = await this.get(id);
    const { run: changed, cancelledNow } = await this.transactions.run(async (tx) => {
      let result: OperationRun | null = null;
      let cancelledNow = false;
      if (run.status === 'queued') {
        result = await this.runs.complete(
          id,
          ['queued'],
          'cancelled',
          { summaryCounts: run.summaryCounts, failures: run.failures, context: run.context },
          null,
          tx,
        );
        cancelledNow = result !== null;
        // Claimed by a worker meanwhile: it is running now, so ask it to stop.
      }
      result ??= await this.runs.requestCancel(id, tx);
      if (!result) {
        throw new OperationRunsError(
          OperationRunsErrorCode.NotCancellable,
          `Run ${id} has already completed.`,
        );
      }
      await this.audit.record(
        {
          actor,
          action: 'operation_run.cancel',
          target: { type: 'operation_run', id },
          workspaceId: result.workspaceId,
          tenantId: result.tenantId,
          details: { type: result.type, statusWhenCancelled: run.status },
        },
        tx,
      );
      return { run: result, cancelledNow };
    });
    if (cancelledNow) this.metrics.runCompletions.inc({ type: changed.type, outcome: 'cancelled' });
    return changed;
  }
}
