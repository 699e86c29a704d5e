import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
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
  InventoryItemDetailDto,
  InventoryItemDto,
  InventoryItemPageDto,
  ListItemsQueryDto,
  ListVersionsQueryDto,
  PolicyVersionDto,
  PolicyVersionPageDto,
  PolicyVersionSummaryDto,
  StartInventorySyncDto,
  StartPolicySyncDto,
} from './dto/inventory.dto.js';
import { InventoryService } from './inventory.service.js';

@ApiTags('inventory')
@Controller('tenants/:tenantId/inventory')
export class InventoryController {
  constructor(private readonly inventory: InventoryService) {}

  @Post('sync')
  @StartsTenantRun(
    Capability.InventorySync,
    'Start an inventory sync (inventory_sync) of the selected types.',
  )
  async sync(
    @Body() body: StartInventorySyncDto,
    @ResolvedScope() scope: RecordScope,
    @CurrentPrincipal() principal: Principal,
    @StartAnswer() answer: RunStartAnswer,
  ): Promise<StartedRunDto> {
    return answer(await this.inventory.startInventorySync(scope, principal, body.policyTypes));
  }

  @Post('policies/sync')
  @StartsTenantRun(
    Capability.InventorySync,
    'Capture policy content and assignments as versions (policy_sync).',
  )
  async syncPolicies(
    @Body() body: StartPolicySyncDto,
    @ResolvedScope() scope: RecordScope,
    @CurrentPrincipal() principal: Principal,
    @StartAnswer() answer: RunStartAnswer,
  ): Promise<StartedRunDto> {
    return answer(await this.inventory.startPolicySync(scope, principal, body.policyIds));
  }

  @Get('items')
  @TenantRead('Inventory items by name (keyset pagination).', InventoryItemPageDto)
  async items(
    @Param('tenantId') tenantId: string,
    @Query() query: ListItemsQueryDto,
  ): Promise<InventoryItemPageDto> {
    return mapPage(await this.inventory.listItems(tenantId, query), InventoryItemDto.from);
  }

  @Get('items/:itemId')
  @TenantRead('One inventory item with its policy versions.', InventoryItemDetailDto)
  async item(
    @Param('tenantId') tenantId: string,
    @Param('itemId') itemId: string,
  ): Promise<InventoryItemDetailDto> {
    const { versions, ...item } = await this.inventory.getItem(tenantId, itemId);
    return Object.assign(InventoryItemDto.from(item), {
      versions: versions.map(PolicyVersionSummaryDto.from),
    });
  }

  @Get('versions')
  @TenantRead('Policy versions, newest first (keyset pagination).', PolicyVersionPageDto)
  async versions(
    @Param('tenantId') tenantId: string,
    @Query() query: ListVersionsQueryDto,
  ): Promise<PolicyVersionPageDto> {
    return mapPage(
      await this.inventory.listVersions(tenantId, query),
      PolicyVersionSummaryDto.from,
    );
  }

  @Get('versions/:versionId')
  @TenantRead('One policy version with its full content and assignments.', PolicyVersionDto)
  async version(
    @Param('tenantId') tenantId: string,
    @Param('versionId') versionId: string,
  ): Promise<PolicyVersionDto> {
    return PolicyVersionDto.from(await this.inventory.getVersion(tenantId, versionId));
  }
}
