import { Module, type OnModuleInit } from '@nestjs/common';
import { AuthzModule, RecordScopeRegistry } from '#libs/authz';
import { GraphModule } from '#libs/graph';
import { OperationRunsModule } from '#libs/operation-runs';
import { PoliciesModule } from '#libs/policies';
import { TenancyModule } from '#libs/tenancy';
import { BackupSchedulingModule } from '../backup-scheduling/index.js';
import { DirectoryModule } from '../directory/index.js';
import { InventoryModule } from '../inventory/index.js';
import { RestoreController } from './restore.controller.js';
import { RestoreRepository } from './restore.repository.js';
import { RESTORE_EXECUTE } from './restore.run-types.js';
import { RestoreService } from './restore.service.js';
import { RestoreExecuteProcessor } from './restore-execute.processor.js';
import { RestorePlanner } from './restore-planner.js';

/**
 * Restore (SPEC §3): restore runs from a backup set of the workspace to a tenant, previewed from
 * the database, executed once (`restore_execute`) and safe to resume. Reads the sets from backup
 * scheduling, the target's inventory, and both tenants' directory caches through what those
 * families export.
 */
@Module({
  imports: [
    OperationRunsModule.forFeature([RESTORE_EXECUTE]),
    AuthzModule,
    TenancyModule,
    GraphModule,
    PoliciesModule,
    BackupSchedulingModule,
    InventoryModule,
    DirectoryModule,
  ],
  controllers: [RestoreController],
  providers: [RestoreRepository, RestorePlanner, RestoreService, RestoreExecuteProcessor],
})
export class RestoreModule implements OnModuleInit {
  constructor(
    private readonly records: RecordScopeRegistry,
    private readonly restores: RestoreRepository,
  ) {}

  onModuleInit(): void {
    this.records.register('restore_run', 'Restore run', (id) => this.restores.findScope(id));
  }
}
