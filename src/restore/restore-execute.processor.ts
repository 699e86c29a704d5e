import { Inject, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';
import { GraphClient } from '#libs/graph';
import {
  HandlesRun,
  NonRetryableRunError,
  type RunContext,
  type RunHandler,
} from '#libs/operation-runs';
import { PolicySecretCipher, PolicyWrites, type PolicyType } from '#libs/policies';
import { BackupSetsService } from '../backup-scheduling/index.js';
import { InventoryService } from '../inventory/index.js';
import { RestoreRepository, type ItemResult, type RestoreRunItem } from './restore.repository.js';
import { sourcePolicyOf } from './restore-planner.js';
import { RestoreWriter } from './restore-writer.js';

const COUNTED: Record<ItemResult, string> = {
  created: 'created',
  updated: 'updated',
  skipped: 'skipped',
  unchanged: 'unchanged',
  failed: 'failed',
};

/**
 * `restore_execute`: writes the restore run's items to the target tenant ({@link RestoreWriter}),
 * several at once — up to twice the Graph client's per-tenant concurrency, so that the database
 * writes of some items overlap the Graph calls of others — each item in its own order. An item
 * that Graph or the policy writes refuse fails alone (`partially_succeeded`); a throttled or
 * unavailable Graph ends the attempt once the items in flight have stopped, and Bull's retry
 * resumes from each item's recorded progress. Counts are made from the items' results, so an
 * attempt that resumes reports the whole restore. When policies were written, an
 * `inventory_sync` of their types follows, linked in the run's context.
 */
@HandlesRun('restore_execute')
export class RestoreExecuteProcessor implements RunHandler<'restore_execute'> {
  private readonly logger = new Logger(RestoreExecuteProcessor.name);
  private readonly concurrency: number;

  constructor(
    private readonly restores: RestoreRepository,
    private readonly backupSets: BackupSetsService,
    private readonly inventory: InventoryService,
    private readonly graph: GraphClient,
    private readonly secrets: PolicySecretCipher,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.concurrency = config.graph.concurrencyPerTenant * 4;
  }

  async execute(run: RunContext<'restore_execute'>): Promise<void> {
    const restoreRunId = run.inputs.restoreRunId;
    const restore = await this.restores.find(restoreRunId);
    if (!restore || restore.status === 'draft') {
      throw new NonRetryableRunError('restore.not_found', 'The restore run is not executing.');
    }
    const set = restore.sourceBackupSetId
      ? await this.backupSets.findLive(restore.sourceBackupSetId)
      : null;
    if (!set) {
      throw new NonRetryableRunError(
        'restore.source_gone',
        'The source backup set is gone (purged or expired).',
      );
    }
    const sources = new Map(
      (await this.backupSets.itemsOf(set.id)).map((item) => [
        `${item.policyType}/${item.policyId}`,
        sourcePolicyOf(item),
      ]),
    );
    const items = await this.restores.items(restoreRunId);
    const writer = new RestoreWriter({
      restoreRunId,
      includeAssignments: restore.includeAssignments,
      graph: this.graph.forTenant(run.run.tenantId!),
      // Captured secrets are sealed to the tenant they were read from: the source's.
      writes: new PolicyWrites((secret) => this.secrets.open(secret, set.tenantId)),
      repository: this.restores,
      run,
    });

    // Every count is shown, zeros included: a restore reports all of them.
    for (const counter of ['total', 'succeeded', ...Object.values(COUNTED)]) {
      run.increment(counter, 0);
    }
    const todo: RestoreRunItem[] = [];
    for (const item of items) {
      if (item.result === null) todo.push(item);
      else this.count(run, item);
    }
    if (todo.length < items.length) {
      this.logger.log(
        { ...run.logFields, done: items.length - todo.length, left: todo.length },
        'Restore resumes',
      );
    }

    let next = 0;
    let stopped: unknown = null;
    const worker = async () => {
      while (stopped === null && next < todo.length) {
        const item = todo[next++]!;
        try {
          run.throwIfInterrupted();
          const source = sources.get(`${item.policyType}/${item.policyId}`);
          if (!source) {
            await writer.finish(item, {
              state: 'failed',
              result: 'failed',
              resultCode: 'restore.source_item_missing',
              resultMessage: 'The policy is no longer in the source backup set.',
            });
          } else {
            await writer.restore(item, source);
          }
          this.count(run, item);
        } catch (error) {
          // The items in flight finish their step; no new one starts; the attempt ends.
          stopped ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, todo.length) }, worker));
    await writer.drain();
    if (stopped !== null) throw stopped;

    const restoredTypes = [
      ...new Set(
        items
          .filter((item) => item.result === 'created' || item.result === 'updated')
          .map((item) => item.policyType),
      ),
    ].sort() as PolicyType[];
    const inventorySyncRunId = restoredTypes.length
      ? await this.refreshInventory(run, restoredTypes)
      : null;
    await this.restores.markCompleted(restoreRunId, inventorySyncRunId);
  }

  private count(run: RunContext<'restore_execute'>, item: RestoreRunItem): void {
    const result = item.result!;
    run.increment('total');
    run.increment(COUNTED[result]);
    if (result === 'failed') {
      run.fail(
        `${item.policyType} ${item.policyId} ("${item.displayName ?? item.policyId}")`,
        item.resultCode ?? 'restore.item_failed',
        item.resultMessage ?? 'The policy could not be restored.',
      );
    } else {
      run.increment('succeeded');
    }
  }

  /** An inventory sync of the restored types, so the inventory shows what the restore wrote. */
  private async refreshInventory(
    run: RunContext<'restore_execute'>,
    policyTypes: PolicyType[],
  ): Promise<string | null> {
    try {
      const { run: sync } = await this.inventory.startInventorySync(
        { workspaceId: run.run.workspaceId!, tenantId: run.run.tenantId! },
        null,
        policyTypes,
        { restoreRunId: run.inputs.restoreRunId, afterRunId: run.runId },
      );
      run.setContext({ inventorySyncRunId: sync.id });
      return sync.id;
    } catch (error) {
      // The restore is done either way; the inventory catches up at its next sync.
      this.logger.warn({ ...run.logFields, err: error }, 'Could not start the inventory sync');
      return null;
    }
  }
}
