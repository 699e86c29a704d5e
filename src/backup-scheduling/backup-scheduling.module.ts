import { Module, type OnModuleInit } from '@nestjs/common';
import { GraphModule } from '#libs/graph';
import { OperationRunsModule, OperationRunsService } from '#libs/operation-runs';
import { PoliciesModule } from '#libs/policies';
import { SchedulingModule, TickRegistry } from '#libs/scheduling';
import { TenancyModule } from '#libs/tenancy';
import { InventoryModule } from '../inventory/index.js';
import { BackupCapture } from './backup-capture.js';
import { BackupScheduleFiring } from './backup-schedule-firing.js';
import { BACKUP_RUN_TYPES, PURGE_EVERY_MS } from './backup-scheduling.run-types.js';
import { BackupPurgeProcessor } from './backup-purge.processor.js';
import { BackupRetentionProcessor } from './backup-retention.processor.js';
import { BackupScheduleRunProcessor } from './backup-schedule-run.processor.js';
import { BackupSetAddPoliciesProcessor } from './backup-set-add-policies.processor.js';
import { BackupSchedulesController } from './backup-schedules.controller.js';
import { BackupScheduleRepository } from './backup-schedules.repository.js';
import { BackupSchedulesService } from './backup-schedules.service.js';
import { BackupSetsController } from './backup-sets.controller.js';
import { BackupSetRepository } from './backup-sets.repository.js';
import { BackupSetsService } from './backup-sets.service.js';

/**
 * Backup schedules (SPEC §3) and the backup sets their runs make. Registers with the scheduler
 * the schedules' fires ({@link BackupScheduleFiring}) and the daily purge. Exports the reads of
 * backup sets (a restore's source).
 */
@Module({
  imports: [
    OperationRunsModule.forFeature(BACKUP_RUN_TYPES),
    TenancyModule,
    GraphModule,
    InventoryModule,
    PoliciesModule,
    SchedulingModule,
  ],
  controllers: [BackupSchedulesController, BackupSetsController],
  providers: [
    BackupScheduleRepository,
    BackupSetRepository,
    BackupSchedulesService,
    BackupSetsService,
    BackupScheduleFiring,
    BackupCapture,
    BackupScheduleRunProcessor,
    BackupRetentionProcessor,
    BackupPurgeProcessor,
    BackupSetAddPoliciesProcessor,
  ],
  exports: [BackupSetsService],
})
export class BackupSchedulingModule implements OnModuleInit {
  constructor(
    private readonly ticks: TickRegistry,
    private readonly firing: BackupScheduleFiring,
    private readonly sets: BackupSetRepository,
    private readonly runs: OperationRunsService,
  ) {}

  onModuleInit(): void {
    this.ticks.addSource(this.firing);
    // Daily, each workspace holding sets that retention expired gets one purge run.
    this.ticks.addDuty({
      name: 'backup_schedule_purge',
      everyMs: PURGE_EVERY_MS,
      start: async (slot) =>
        this.runs.startMany(
          (await this.sets.workspacesWithExpired()).map((workspaceId) => ({
            type: 'backup_schedule_purge' as const,
            scope: 'strict' as const,
            workspaceId,
            tenantId: null,
            inputs: { slot: slot.toISOString() },
            initiator: null,
          })),
        ),
    });
  }
}
