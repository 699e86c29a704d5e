import {
  HandlesRun,
  NonRetryableRunError,
  type RunContext,
  type RunHandler,
} from '#libs/operation-runs';
import { InventoryService } from '../inventory/index.js';
import { BackupCapture } from './backup-capture.js';
import { BackupSetRepository } from './backup-sets.repository.js';

/**
 * Captures the chosen inventory items' policies into the set, each round of them added as it is
 * captured. An item deleted from the inventory since the start is a failed item; the others are
 * read from Graph as a backup run reads them.
 */
@HandlesRun('backup_set_add_policies')
export class BackupSetAddPoliciesProcessor implements RunHandler<'backup_set_add_policies'> {
  constructor(
    private readonly sets: BackupSetRepository,
    private readonly capture: BackupCapture,
    private readonly inventory: InventoryService,
  ) {}

  async execute(run: RunContext<'backup_set_add_policies'>): Promise<void> {
    const set = await this.sets.findLive(run.inputs.backupSetId);
    if (!set) throw new NonRetryableRunError('backup_set.not_found', 'The backup set is gone.');
    const refs = await this.inventory.liveItemRefs(set.tenantId, run.inputs.policyIds);
    const live = new Set(refs.map((ref) => ref.id));
    for (const id of run.inputs.policyIds) {
      if (live.has(id)) continue;
      run.increment('total');
      run.increment('failed');
      run.fail(id, 'inventory.item_not_found', 'The inventory item is no longer live.');
    }
    // Added round by round as captured, like a backup's pages: a selection may be a whole tenant.
    await this.capture.captureInto(run, set.tenantId, [refs], async (items) => {
      run.increment('created', await this.sets.addItems(set.id, items));
    });
  }
}
