import { Module } from '@nestjs/common';
import { GraphModule } from '#libs/graph';
import { PoliciesModule } from '#libs/policies';
import { OperationRunsModule } from '#libs/operation-runs';
import { OnboardingModule } from '../onboarding/index.js';
import { InventorySyncProcessor } from './inventory-sync.processor.js';
import { InventoryController } from './inventory.controller.js';
import { InventoryRepository } from './inventory.repository.js';
import { INVENTORY_SYNC, POLICY_SYNC } from './inventory.run-types.js';
import { InventoryService } from './inventory.service.js';
import { PolicySyncProcessor } from './policy-sync.processor.js';
import { PolicyVersionRepository } from './policy-version.repository.js';

/**
 * Inventory of each tenant's Intune policies (`inventory_sync`) and their content versions
 * (`policy_sync`). Exports the inventory reads.
 */
@Module({
  imports: [
    OperationRunsModule.forFeature([INVENTORY_SYNC, POLICY_SYNC]),
    GraphModule,
    PoliciesModule,
    OnboardingModule,
  ],
  controllers: [InventoryController],
  providers: [
    InventoryRepository,
    PolicyVersionRepository,
    InventoryService,
    InventorySyncProcessor,
    PolicySyncProcessor,
  ],
  exports: [InventoryService],
})
export class InventoryModule {}
