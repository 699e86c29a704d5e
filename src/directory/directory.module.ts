import { Module } from '@nestjs/common';
import { GraphModule } from '#libs/graph';
import { OperationRunsModule } from '#libs/operation-runs';
import { DirectoryGroupRepository } from './directory-group.repository.js';
import { DirectoryController } from './directory.controller.js';
import { ENTRA_GROUP_SYNC } from './directory.run-types.js';
import { DirectoryService } from './directory.service.js';
import { EntraGroupSyncProcessor } from './entra-group-sync.processor.js';

/**
 * The tenant's Entra groups, cached by delta query (`entra_group_sync`) and searched locally.
 * Exports the cache reads (groups by id and by name).
 */
@Module({
  imports: [OperationRunsModule.forFeature([ENTRA_GROUP_SYNC]), GraphModule],
  controllers: [DirectoryController],
  providers: [DirectoryGroupRepository, DirectoryService, EntraGroupSyncProcessor],
  exports: [DirectoryService],
})
export class DirectoryModule {}
