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
import {
  StartAnswer,
  StartsTenantRun,
  type RunStartAnswer,
  type StartedRunDto,
} from '#libs/operation-runs';
import { mapPage, NameSearchQueryDto } from '#libs/common/pagination';
import { DirectoryGroupDto, DirectoryGroupPageDto } from './dto/directory.dto.js';
import { DirectoryService } from './directory.service.js';

@ApiTags('directory')
@Controller('tenants/:tenantId/directory/groups')
export class DirectoryController {
  constructor(private readonly directory: DirectoryService) {}

  @Post('sync')
  @StartsTenantRun(
    Capability.DirectorySync,
    'Start a directory groups sync (entra_group_sync, delta query).',
  )
  async sync(
    @ResolvedScope() scope: RecordScope,
    @CurrentPrincipal() principal: Principal,
    @StartAnswer() answer: RunStartAnswer,
  ): Promise<StartedRunDto> {
    return answer(await this.directory.startGroupSync(scope, principal));
  }

  @Get()
  @TenantRead('Cached groups by name prefix (keyset pagination).', DirectoryGroupPageDto)
  async search(
    @Param('tenantId') tenantId: string,
    @Query() query: NameSearchQueryDto,
  ): Promise<DirectoryGroupPageDto> {
    return mapPage(await this.directory.searchGroups(tenantId, query), DirectoryGroupDto.from);
  }

  @Get(':groupId')
  @TenantRead('One cached group by its Entra object id (e.g. to label it).', DirectoryGroupDto)
  async group(
    @Param('tenantId') tenantId: string,
    @Param('groupId') groupId: string,
  ): Promise<DirectoryGroupDto> {
    return DirectoryGroupDto.from(await this.directory.group(tenantId, groupId));
  }
}
