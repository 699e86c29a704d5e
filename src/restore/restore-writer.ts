import { Logger } from '@nestjs/common';
import {
  GraphNotFoundError,
  isItemFailure,
  type AssignableResource,
  type CreatableResource,
  type GraphItem,
  type TenantGraph,
  type UpdatableResource,
} from '#libs/graph';
import type { RunContext } from '#libs/operation-runs';
import {
  describeWithMarker,
  parseRestoreMarker,
  POLICY_TYPES,
  PolicyWriteError,
  type PolicyContent,
  type PolicyWrite,
  type PolicyWrites,
} from '#libs/policies';
import type {
  ItemProgress,
  ItemProgressRow,
  ItemResult,
  RestoreRepository,
  RestoreRunItem,
} from './restore.repository.js';
import { withName } from './restore-planner.js';
import type { SourcePolicy } from './restore-plan.js';

/** What one restore run's execution works with. */
export interface RestoreWork {
  restoreRunId: string;
  includeAssignments: boolean;
  graph: TenantGraph;
  writes: PolicyWrites;
  repository: RestoreRepository;
  run: RunContext<'restore_execute'>;
}

const DEFINITION = /groupPolicyDefinitions\('([^']+)'\)/;

/** The definition a definition value's body binds (`definition@odata.bind`). */
function definitionIdOf(body: Record<string, unknown>): string | null {
  const bind = body['definition@odata.bind'];
  return typeof bind === 'string' ? (DEFINITION.exec(bind)?.[1] ?? null) : null;
}

/**
 * The progress writes of the items in flight, group-committed: the writes asked for in one turn
 * of the event loop go in one statement, and each caller goes on once it is written. A restore
 * writes the progress of every item two or three times; with several items in flight, most of
 * those writes share a statement (fewer round trips, on a hot path of thousands).
 */
class ProgressWrites {
  private pending: ItemProgressRow[] = [];
  private flushing: Promise<void> | null = null;
  private failure: unknown = null;

  constructor(
    private readonly restoreRunId: string,
    private readonly repository: RestoreRepository,
  ) {}

  /** Writes the item's progress; resolves once it is written. */
  save(item: RestoreRunItem): Promise<void> {
    const { position, state, action, targetPolicyId, result, resultCode, resultMessage } = item;
    this.pending.push({
      position,
      state,
      action,
      targetPolicyId,
      result,
      resultCode,
      resultMessage,
    });
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      const rows = this.pending;
      this.pending = [];
      this.flushing = null;
      // One row per item: an item never has two writes waiting (it waits for each but its last).
      return this.repository.saveProgress(this.restoreRunId, rows);
    });
    return this.flushing;
  }

  /**
   * Writes an item's end without waiting for it: no Graph call of the item follows, so it goes
   * with the next item's first write. Lost with the worker, the item is resumed from its last
   * written step, which is safe to take again (an assign, or a marker lookup).
   */
  settle(item: RestoreRunItem): void {
    this.save(item).catch((error: unknown) => {
      this.failure ??= error;
    });
  }

  /** Every write asked for is written (or its error thrown). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing.catch(() => undefined);
    if (this.failure !== null) throw this.failure;
  }
}

/**
 * Writes the items of one restore run to the target tenant, each in the order Graph needs —
 * the policy (create, or update in place), its definition values (administrative templates),
 * then its assignments — with the item's progress written to `restore_run_items` before each
 * Graph call that follows it. A retried attempt, a redelivered job or a worker taking over from
 * a killed one starts from that progress:
 *
 * - `creating` without a target id: Graph may have applied the create and lost its answer. The
 *   policy is looked for by the restore's marker in its description (one listing of the
 *   collection per attempt, shared by the items that need it) before it is created again.
 * - `creating` with a target id: the definition values Graph already holds (by definition) are
 *   not written again.
 * - `written`: only the assignments are left (`assign` replaces them: safe to repeat).
 *
 * Marker lookups happen only on resume: a first attempt makes no request it does not need.
 */
export class RestoreWriter {
  private readonly logger = new Logger(RestoreWriter.name);
  /** Per collection: the policies of this restore run found there, by item position. */
  private readonly marked = new Map<string, Promise<Map<number, string>>>();
  private readonly progress: ProgressWrites;

  constructor(private readonly work: RestoreWork) {
    this.progress = new ProgressWrites(work.restoreRunId, work.repository);
  }

  /** Records an item's end that was decided without the writer (it is written like the others). */
  finish(item: RestoreRunItem, progress: ItemProgress): Promise<void> {
    return this.save(item, progress);
  }

  /**
   * Restores one item to its end, returning its result. A policy that Graph (4xx other than
   * throttling) or `PolicyWrites` refuses is a failed item; anything else — throttling or an
   * unavailable Graph after the client's own retries, a database error — is thrown, and ends the
   * attempt (the item's progress so far is kept).
   */
  async restore(item: RestoreRunItem, source: SourcePolicy): Promise<ItemResult> {
    try {
      return await this.advance(item, source);
    } catch (error) {
      if (error instanceof PolicyWriteError || (isItemFailure(error) && !error.retryable)) {
        const written = item.targetPolicyId
          ? ` (the policy is ${item.targetPolicyId} in the target)`
          : '';
        await this.save(item, {
          state: 'failed',
          result: 'failed',
          resultCode: error.code,
          resultMessage: `${error.message}${written}`.slice(0, 1000),
        });
        return 'failed';
      }
      throw error;
    }
  }

  private async advance(item: RestoreRunItem, source: SourcePolicy): Promise<ItemResult> {
    const { resource } = POLICY_TYPES[item.policyType];
    if (item.state === 'pending') {
      if (item.action === 'skip' || item.action === 'unchanged') {
        const done = item.action === 'skip' ? 'skipped' : 'unchanged';
        await this.save(item, { state: done, result: done });
        return done;
      }
      if (item.action === 'update' && !(await this.update(item, source))) {
        // Gone from the target since the preview: the restore brings it back.
        item.action = 'create';
        item.targetPolicyId = null;
      }
      if (item.action === 'create') await this.create(item, source, false);
    } else if (item.state === 'creating') {
      await this.create(item, source, true);
    }
    if (item.state === 'written') {
      if (!this.needsAssign(item)) return item.result!;
      await this.work.graph.assign(
        resource as AssignableResource,
        item.targetPolicyId!,
        this.assignmentBodies(item),
      );
      await this.save(item, { state: 'assigned', result: this.writtenResult(item) });
    }
    return item.result!;
  }

  /** PATCH (or PUT) of the matched policy; false when the target no longer has it. */
  private async update(item: RestoreRunItem, source: SourcePolicy): Promise<boolean> {
    const write = this.work.writes.update(item.policyType, source.content, source.displayName);
    try {
      await this.work.graph.update(
        POLICY_TYPES[item.policyType].resource as UpdatableResource,
        item.targetPolicyId!,
        write.body as Record<string, unknown>,
      );
    } catch (error) {
      if (error instanceof GraphNotFoundError) return false;
      throw error;
    }
    await this.written(item);
    return true;
  }

  /** The create, its definition values, and `written`; resumed from what was done before. */
  private async create(
    item: RestoreRunItem,
    source: SourcePolicy,
    resumed: boolean,
  ): Promise<void> {
    const write = this.createWrite(item, source);
    const resource = POLICY_TYPES[item.policyType].resource as CreatableResource;
    let existing: Set<string> | null = null;
    if (resumed && !item.targetPolicyId) {
      const found = (await this.markedPolicies(resource)).get(item.position);
      if (found) {
        // Created by an earlier attempt whose answer was lost: its values were never written.
        this.logger.log(
          { ...this.work.run.logFields, position: item.position, targetPolicyId: found },
          'Found a policy created by an earlier attempt by its marker',
        );
        item.targetPolicyId = found;
        existing = new Set();
      }
    } else if (resumed && write.related.length) {
      existing = await this.writtenDefinitions(item.targetPolicyId!);
    }
    if (!item.targetPolicyId) {
      await this.save(item, { state: 'creating', action: 'create', targetPolicyId: null });
      const created = await this.work.graph.create(resource, write.body as Record<string, unknown>);
      item.targetPolicyId = created.id;
      if (write.related.length) {
        await this.save(item, { state: 'creating', targetPolicyId: created.id });
      }
      existing = new Set();
    }
    for (const related of write.related) {
      const definition = definitionIdOf(related.body);
      if (definition && existing?.has(definition)) continue;
      await this.work.graph.createRelated(
        resource,
        item.targetPolicyId!,
        related.related,
        related.body,
      );
    }
    await this.written(item);
  }

  /** The create body: the captured content under the planned name, marked in its description. */
  private createWrite(item: RestoreRunItem, source: SourcePolicy): PolicyWrite {
    const name = item.targetDisplayName ?? source.displayName;
    const named = withName(item.policyType, source.content, name);
    const content: PolicyContent = {
      ...named,
      properties: {
        ...named.properties,
        description: describeWithMarker(
          named.properties.description,
          this.work.restoreRunId,
          item.position,
        ),
      },
    };
    return this.work.writes.create(item.policyType, content, name);
  }

  /** The policy's content is in place: `written`, and done unless assignments follow. */
  private async written(item: RestoreRunItem): Promise<void> {
    const result = this.writtenResult(item);
    await this.save(item, {
      state: 'written',
      action: item.action,
      targetPolicyId: item.targetPolicyId,
      result: this.needsAssign(item) ? null : result,
    });
  }

  private writtenResult(item: RestoreRunItem): ItemResult {
    return item.action === 'update' ? 'updated' : 'created';
  }

  /**
   * Whether `assign` follows: with assignments, always after an update (it makes the target's
   * assignments the backup's, none included), after a create only when there is one to write.
   */
  private needsAssign(item: RestoreRunItem): boolean {
    if (!this.work.includeAssignments) return false;
    return item.action === 'update' || this.assignmentBodies(item).length > 0;
  }

  private assignmentBodies(item: RestoreRunItem): Record<string, unknown>[] {
    return item.assignments.flatMap((assignment) => (assignment.body ? [assignment.body] : []));
  }

  /** The definitions a created administrative template already has values for. */
  private async writtenDefinitions(policyId: string): Promise<Set<string>> {
    const values = await this.work.graph.listAllRelated(
      'groupPolicyConfigurations',
      policyId,
      'definitionValues',
    );
    return new Set(
      values.flatMap((value: GraphItem) => {
        const id = (value.definition as { id?: unknown } | undefined)?.id;
        return typeof id === 'string' ? [id] : [];
      }),
    );
  }

  /** This restore run's policies in a collection, by the item position in their marker. */
  private markedPolicies(resource: CreatableResource): Promise<Map<number, string>> {
    let found = this.marked.get(resource);
    if (!found) {
      found = this.work.graph.listAll(resource).then((items) => {
        const byPosition = new Map<number, string>();
        for (const policy of items) {
          const marker = parseRestoreMarker(policy.description);
          if (marker?.restoreRunId === this.work.restoreRunId && !byPosition.has(marker.item)) {
            byPosition.set(marker.item, policy.id);
          }
        }
        return byPosition;
      });
      // A failed listing is not kept: the next item that needs it asks again.
      found.catch(() => this.marked.delete(resource));
      this.marked.set(resource, found);
    }
    return found;
  }

  /**
   * Writes the item's progress: waited for when a Graph call of the item follows; an item's end
   * (its `result` set) goes with the next write, not waited for.
   */
  private async save(item: RestoreRunItem, progress: ItemProgress): Promise<void> {
    Object.assign(item, progress);
    if (item.result === null) await this.progress.save(item);
    else this.progress.settle(item);
  }

  /** Waits for the items' last writes: before the attempt ends, one way or the other. */
  drain(): Promise<void> {
    return this.progress.drain();
  }
}
