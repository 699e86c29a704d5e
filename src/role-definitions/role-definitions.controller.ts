import { Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  Capability,
  CurrentPrincipal,
  Principal,
  RequireCapability,
  ResolvedScope,
  type RecordScope,
} from '../../libs/authz/index.js';
import {
  StartAnswer,
  StartsRun,
  type RunStartAnswer,
  type StartedRunDto,
} from '../../libs/operation-runs/index.js';
import {
  RoleDefinitionDto,
  RoleDefinitionPageDto,
  RoleSearchQueryDto,
} from './dto/role-definitions.dto.js';
import { RoleDefinitionsService } from './role-definitions.service.js';

const TENANT = { record: 'tenant', param: 'tenantId' };

@ApiTags('directory')
@Controller('tenants/:tenantId/directory/role-definitions')
export class RoleDefinitionsController {
  constructor(private readonly roles: RoleDefinitionsService) {}

  @Post('sync')
  @RequireCapability(Capability.DirectorySync, TENANT)
  @StartsRun()
  @ApiOperation({
    summary: 'Start a role definitions sync (directory_role_definitions_sync: Entra + Intune).',
  })
  async sync(
    @ResolvedScope() scope: RecordScope,
    @CurrentPrincipal() principal: Principal,
    @StartAnswer() answer: RunStartAnswer,
  ): Promise<StartedRunDto> {
    return answer(await this.roles.startSync(scope, principal));
  }

  @Get()
  @RequireCapability(Capability.TenantView, TENANT)
  @ApiOperation({ summary: 'Cached role definitions by name prefix (keyset pagination).' })
  @ApiOkResponse({ type: RoleDefinitionPageDto })
  async search(
    @Param('tenantId') tenantId: string,
    @Query() query: RoleSearchQueryDto,
  ): Promise<RoleDefinitionPageDto> {
    const page = await this.roles.search(tenantId, query);
    return { items: page.items.map(RoleDefinitionDto.from), nextCursor: page.nextCursor };
  }

  @Get(':roleId')
  @RequireCapability(Capability.TenantView, TENANT)
  @ApiOperation({ summary: 'One cached role definition by its Graph id (e.g. to label it).' })
  @ApiOkResponse({ type: RoleDefinitionDto })
  async get(
    @Param('tenantId') tenantId: string,
    @Param('roleId') roleId: string,
  ): Promise<RoleDefinitionDto> {
    return RoleDefinitionDto.from(await this.roles.get(tenantId, roleId));
  }
}
