import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  Capability,
  CurrentPrincipal,
  Principal,
  RequireTenantCapability,
  ResolvedScope,
  type RecordScope,
} from '#libs/authz';
import { SyncPlanDto, UpdateSyncPlanDto } from './dto/sync-plan.dto.js';
import { SyncPlansService } from './sync-plans.service.js';

@ApiTags('tenants')
@Controller('tenants/:tenantId/sync-plan')
export class SyncPlansController {
  constructor(private readonly plans: SyncPlansService) {}

  @Get()
  @RequireTenantCapability(Capability.TenantManage)
  @ApiOperation({ summary: "The tenant's recurring syncs (its defaults until changed)." })
  @ApiOkResponse({ type: SyncPlanDto })
  async get(@ResolvedScope() scope: RecordScope): Promise<SyncPlanDto> {
    return SyncPlanDto.from(await this.plans.get(scope));
  }

  @Put()
  @RequireTenantCapability(Capability.TenantManage)
  @ApiOperation({
    summary:
      'Change the recurring syncs: the kinds and fields named; a changed timing counts fires from now.',
  })
  @ApiOkResponse({ type: SyncPlanDto })
  async update(
    @ResolvedScope() scope: RecordScope,
    @Body() body: UpdateSyncPlanDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SyncPlanDto> {
    return SyncPlanDto.from(await this.plans.update(scope, body, principal.actor));
  }
}
