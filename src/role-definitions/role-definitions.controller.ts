import { Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  Capability,
  CurrentPrincipal,
  Principal,
  ResolvedScope,
  TenantRead,
  type RecordScope,
} from '#libs/authz';
import { mapPage } from '#libs/common/pagination';
import {
  StartAnswer,
  StartsTenantRun,
  type RunStartAnswer,
  type StartedRunDto,
} from '#libs/operation-runs';
import {
  RoleDefinitionDto,
  RoleDefinitionPageDto,
  RoleSearchQueryDto,
} from './dto/role-definitions.dto.js';
import { RoleDefinitionsService } from './role-definitions.service.js';

@ApiTags('directory')
@Controller('tenants/:tenantId/directory/role-definitions')
export class RoleDefinitionsController {
  constructor(private readonly roles: RoleDefinitionsService) {}

  @Post('sync')
  @StartsTenantRun(
    Capability.DirectorySync,
    'Start a role definitions sync (directory_role_definitions_sync: Entra + Intune).',
  )
  async sync(
    @ResolvedScope() scope: RecordScope,
    @CurrentPrincipal() principal: Principal,
    @StartAnswer() answer: RunStartAnswer,
  ): Promise<StartedRunDto> {
    return answer(await this.roles.startSync(scope, principal));
  }

  @Get()
  @TenantRead('Cached role definitions by name prefix (keyset pagination).', RoleDefinitionPageDto)
  async search(
    @Param('tenantId') tenantId: string,
    @Query() query: RoleSearchQueryDto,
  ): Promise<RoleDefinitionPageDto> {
    return mapPage(await this.roles.search(tenantId, query), RoleDefinitionDto.from);
  }

  @Get(':roleId')
  @TenantRead('One cached role definition by its Graph id (e.g. to label it).', RoleDefinitionDto)
  async get(
    @Param('tenantId') tenantId: string,
    @Param('roleId') roleId: string,
  ): Promise<RoleDefinitionDto> {
    return RoleDefinitionDto.from(await this.roles.get(tenantId, roleId));
  }
}
