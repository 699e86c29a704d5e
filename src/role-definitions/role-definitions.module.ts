import { Module } from '@nestjs/common';
import { GraphModule } from '#libs/graph';
import { OperationRunsModule } from '#libs/operation-runs';
import { RoleDefinitionRepository } from './role-definition.repository.js';
import { RoleDefinitionsSyncProcessor } from './role-definitions-sync.processor.js';
import { RoleDefinitionsController } from './role-definitions.controller.js';
import { DIRECTORY_ROLE_DEFINITIONS_SYNC } from './role-definitions.run-types.js';
import { RoleDefinitionsService } from './role-definitions.service.js';

/** Entra and Intune role definitions, cached (`directory_role_definitions_sync`), searched locally. */
@Module({
  imports: [OperationRunsModule.forFeature([DIRECTORY_ROLE_DEFINITIONS_SYNC]), GraphModule],
  controllers: [RoleDefinitionsController],
  providers: [RoleDefinitionRepository, RoleDefinitionsService, RoleDefinitionsSyncProcessor],
})
export class RoleDefinitionsModule {}
