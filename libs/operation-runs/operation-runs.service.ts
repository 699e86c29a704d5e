import { Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../authz/index.js';
import { RecordNotFoundError } from '../common/errors/index.js';
import { isUuid, uuidv7 } from '../common/ids.js';
import { decodeCursor, pageOf, type Page } from '../common/pagination.js';
import { sanitizeMessage } from '../common/redaction/index.js';
import {
  OperationRunRepository,
  type NewRun,
  type RunFilters,
  type RunListFilter,
} from './operation-run.repository.js';
import { OperationRunsError, OperationRunsErrorCode } from './operation-runs.errors.js';
import { RunDispatcher } from './run-dispatcher.js';
import { runIdentity } from './run-identity.js';
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

/** How many times a start re-reads when its identity's holder finished mid-statement. */
const IDENTITY_RACE_RETRIES = 5;

/**
 * The one way to start a run, for every surface (HTTP, scheduler, CLI): authorise, build the
 * identity, insert-or-return-existing by constraint, then enqueue `{ runId }`.
 */
@Injectable()
export class OperationRunsService {
  private readonly logger = new Logger(OperationRunsService.name);

  constructor(
    private readonly registry: RunTypeRegistry,
    private readonly runs: OperationRunRepository,
    private readonly dispatcher: RunDispatcher,
  ) {}

  async start<T extends RunType>(request: StartRunRequest<T>): Promise<StartedRun> {
    const newRun = this.prepare(request);
    for (let attempt = 0; attempt < IDENTITY_RACE_RETRIES; attempt++) {
      const result = await this.runs.insertOrGetExisting(newRun);
      if (!result) continue;
      if (result.created) await this.dispatchNew(result.run);
      else if (result.run.status === 'queued') await this.redispatch([result.run]);
      return { run: result.run, deduplicated: !result.created };
    }
    throw new Error(`Run identity ${newRun.identity.hash} kept changing hands; giving up.`);
  }

  /**
   * Starts many runs with the guarantees of {@link start} in a few statements: one insert for all
   * (each identity deferring to its unique index), one read of the holders of those that were
   * deduplicated, and one bulk add per queue. For the scheduler, which starts thousands at once.
   * Never throws for a dispatch failure: those runs come back completed as `dispatch.failed`.
   */
  async startMany(requests: StartRunRequest<RunType>[]): Promise<StartedRun[]> {
    const prepared = requests.map((request) => this.prepare(request));
    const results = new Map<string, StartedRun>();
    let pending = prepared;
    for (let attempt = 0; pending.length && attempt < IDENTITY_RACE_RETRIES; attempt++) {
      const { created, holders } = await this.runs.insertManyOrGetExisting(pending);
      for (const run of created) results.set(run.id, { run, deduplicated: false });
      for (const [id, run] of holders) results.set(id, { run, deduplicated: true });
      pending = pending.filter((run) => !results.has(run.id));
    }
    if (pending.length) throw new Error(`${pending.length} run identities kept changing hands.`);
    const started = prepared.map((run) => results.get(run.id)!);
    const fresh = started.filter((s) => !s.deduplicated).map((s) => s.run);
    await this.dispatchMany(fresh);
    await this.redispatch(
      started.filter((s) => s.deduplicated && s.run.status === 'queued').map((s) => s.run),
    );
    return started;
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
      context: { ...(request.inputs as unknown as Record<string, Json>), ...request.context },
    };
  }

  private async dispatchNew(run: OperationRun): Promise<void> {
    try {
      await this.dispatcher.enqueue(run);
    } catch (error) {
      const message = sanitizeMessage(`The job could not be queued: ${(error as Error).message}`);
      const failed = await this.runs.complete(run.id, ['queued'], 'failed', {
        summaryCounts: {},
        failures: [{ code: 'dispatch.failed', message }],
        context: run.context,
      });
      Object.assign(run, failed ?? {});
      this.logger.error({ runId: run.id, err: error }, 'Dispatch failed; run completed as failed');
      throw new OperationRunsError(
        OperationRunsErrorCode.DispatchFailed,
        `Run ${run.id} could not be queued and was recorded as failed; try again shortly.`,
        undefined,
        { runId: run.id, instance: `/operations/${run.id}` },
      );
    }
  }

  /** Queues many new runs; if that fails, they are all completed as `dispatch.failed`. */
  private async dispatchMany(runs: OperationRun[]): Promise<void> {
    if (!runs.length) return;
    try {
      await this.dispatcher.enqueueMany(runs);
    } catch (error) {
      const message = sanitizeMessage(`The job could not be queued: ${(error as Error).message}`);
      const failed = new Set(
        await this.runs.failMany(
          runs.map((run) => run.id),
          'queued',
          { code: 'dispatch.failed', message },
        ),
      );
      const done = new Map(
        (failed.size ? await this.runs.findByIds([...failed]) : []).map((d) => [d.id, d]),
      );
      for (const run of runs) Object.assign(run, done.get(run.id) ?? {});
      this.logger.error(
        { runIds: runs.map((run) => run.id), err: error },
        'Dispatch failed; runs completed as failed',
      );
    }
  }

  /**
   * A duplicate start of a queued run re-adds its job: a no-op when the job exists (same job id),
   * and a repair when the process that created the run died before enqueueing it.
   */
  private async redispatch(runs: OperationRun[]): Promise<void> {
    if (!runs.length) return;
    try {
      await this.dispatcher.enqueueMany(runs);
    } catch (error) {
      this.logger.warn(
        { runIds: runs.map((run) => run.id), err: error },
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

  /** Cancels a queued run at once; asks a running one to stop at its next heartbeat. */
  async cancel(id: string): Promise<OperationRun> {
    const run = await this.get(id);
    if (run.status === 'queued') {
      const cancelled = await this.runs.complete(id, ['queued'], 'cancelled', {
        summaryCounts: run.summaryCounts,
        failures: run.failures,
        context: run.context,
      });
      if (cancelled) return cancelled;
      // Claimed by a worker meanwhile: it is running now, so ask it to stop.
    }
    const requested = await this.runs.requestCancel(id);
    if (!requested) {
      throw new OperationRunsError(
        OperationRunsErrorCode.NotCancellable,
        `Run ${id} has already completed.`,
      );
    }
    return requested;
  }
}
