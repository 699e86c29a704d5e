import { Module } from '@nestjs/common';
import { GraphModule } from '../../libs/graph/index.js';
import { OperationRunsModule } from '../../libs/operation-runs/index.js';
import { InventorySyncProcessor } from './inventory-sync.processor.js';
import { InventoryController } from './inventory.controller.js';
import { InventoryRepository } from './inventory.repository.js';
import { INVENTORY_SYNC, POLICY_SYNC } from './inventory.run-types.js';
import { InventoryService } from './inventory.service.js';
import { PolicyCaptureService } from './policy-capture.service.js';
import { PolicySyncProcessor } from './policy-sync.processor.js';
import { PolicyVersionRepository } from './policy-version.repository.js';

/**
 * Inventory of each tenant's Intune policies (`inventory_sync`) and their content versions
 * (`policy_sync`). Exports the policy capture (backups reuse it) and the inventory reads.
 */
@Module({
  imports: [OperationRunsModule.forFeature([INVENTORY_SYNC, POLICY_SYNC]), GraphModule],
  controllers: [InventoryController],
  providers: [
    InventoryRepository,
    PolicyVersionRepository,
    InventoryService,
    PolicyCaptureService,
    InventorySyncProcessor,
    PolicySyncProcessor,
  ],
  exports: [InventoryService, PolicyCaptureService],
})
export class InventoryModule {}
