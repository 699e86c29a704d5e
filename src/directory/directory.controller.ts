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
import { NameSearchQueryDto } from '../../libs/common/pagination.js';
import { DirectoryGroupDto, DirectoryGroupPageDto } from './dto/directory.dto.js';
import { DirectoryService } from './directory.service.js';

const TENANT = { record: 'tenant', param: 'tenantId' };

@ApiTags('directory')
@Controller('tenants/:tenantId/directory/groups')
export class DirectoryController {
  constructor(private readonly directory: DirectoryService) {}

  @Post('sync')
  @RequireCapability(Capability.DirectorySync, TENANT)
  @StartsRun()
  @ApiOperation({ summary: 'Start a directory groups sync (entra_group_sync, delta query).' })
  async sync(
    @ResolvedScope() scope: RecordScope,
    @CurrentPrincipal() principal: Principal,
    @StartAnswer() answer: RunStartAnswer,
  ): Promise<StartedRunDto> {
    return answer(await this.directory.startGroupSync(scope, principal));
  }

  @Get()
  @RequireCapability(Capability.TenantView, TENANT)
  @ApiOperation({ summary: 'Cached groups by name prefix (keyset pagination).' })
  @ApiOkResponse({ type: DirectoryGroupPageDto })
  async search(
    @Param('tenantId') tenantId: string,
    @Query() query: NameSearchQueryDto,
  ): Promise<DirectoryGroupPageDto> {
    const page = await this.directory.searchGroups(tenantId, query);
    return { items: page.items.map(DirectoryGroupDto.from), nextCursor: page.nextCursor };
  }

  @Get(':groupId')
  @RequireCapability(Capability.TenantView, TENANT)
  @ApiOperation({ summary: 'One cached group by its Entra object id (e.g. to label it).' })
  @ApiOkResponse({ type: DirectoryGroupDto })
  async group(
    @Param('tenantId') tenantId: string,
    @Param('groupId') groupId: string,
  ): Promise<DirectoryGroupDto> {
    return DirectoryGroupDto.from(await this.directory.group(tenantId, groupId));
  }
}
