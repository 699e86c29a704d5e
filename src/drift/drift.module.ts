import { Module } from '@nestjs/common';
import { OperationRunsModule } from '#libs/operation-runs';
import { InventoryModule } from '../inventory/index.js';
import { DriftFindingRepository } from './drift-finding.repository.js';
import { DriftFindingsProcessor } from './drift-findings.processor.js';
import { DriftController } from './drift.controller.js';
import { DRIFT_GENERATE_FINDINGS } from './drift.run-types.js';
import { DriftService } from './drift.service.js';

/** Drift between two inventory syncs (`drift_generate_findings`) and its findings. */
@Module({
  imports: [OperationRunsModule.forFeature([DRIFT_GENERATE_FINDINGS]), InventoryModule],
  controllers: [DriftController],
  providers: [DriftFindingRepository, DriftService, DriftFindingsProcessor],
})
export class DriftModule {}
