import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
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

const TENANT = { record: 'tenant', param: 'tenantId' };

@ApiTags('inventory')
@Controller('tenants/:tenantId/inventory')
export class InventoryController {
  constructor(private readonly inventory: InventoryService) {}

  @Post('sync')
  @RequireCapability(Capability.InventorySync, TENANT)
  @StartsRun()
  @ApiOperation({ summary: 'Start an inventory sync (inventory_sync) of the selected types.' })
  async sync(
    @Body() body: StartInventorySyncDto,
    @ResolvedScope() scope: RecordScope,
    @CurrentPrincipal() principal: Principal,
    @StartAnswer() answer: RunStartAnswer,
  ): Promise<StartedRunDto> {
    return answer(await this.inventory.startInventorySync(scope, principal, body.policyTypes));
  }

  @Post('policies/sync')
  @RequireCapability(Capability.InventorySync, TENANT)
  @StartsRun()
  @ApiOperation({ summary: 'Capture policy content and assignments as versions (policy_sync).' })
  async syncPolicies(
    @Body() body: StartPolicySyncDto,
    @ResolvedScope() scope: RecordScope,
    @CurrentPrincipal() principal: Principal,
    @StartAnswer() answer: RunStartAnswer,
  ): Promise<StartedRunDto> {
    return answer(await this.inventory.startPolicySync(scope, principal, body.policyIds));
  }

  @Get('items')
  @RequireCapability(Capability.TenantView, TENANT)
  @ApiOperation({ summary: 'Inventory items by name (keyset pagination).' })
  @ApiOkResponse({ type: InventoryItemPageDto })
  async items(
    @Param('tenantId') tenantId: string,
    @Query() query: ListItemsQueryDto,
  ): Promise<InventoryItemPageDto> {
    const page = await this.inventory.listItems(tenantId, query);
    return { items: page.items.map(InventoryItemDto.from), nextCursor: page.nextCursor };
  }

  @Get('items/:itemId')
  @RequireCapability(Capability.TenantView, TENANT)
  @ApiOperation({ summary: 'One inventory item with its policy versions.' })
  @ApiOkResponse({ type: InventoryItemDetailDto })
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
  @RequireCapability(Capability.TenantView, TENANT)
  @ApiOperation({ summary: 'Policy versions, newest first (keyset pagination).' })
  @ApiOkResponse({ type: PolicyVersionPageDto })
  async versions(
    @Param('tenantId') tenantId: string,
    @Query() query: ListVersionsQueryDto,
  ): Promise<PolicyVersionPageDto> {
    const page = await this.inventory.listVersions(tenantId, query);
    return { items: page.items.map(PolicyVersionSummaryDto.from), nextCursor: page.nextCursor };
  }

  @Get('versions/:versionId')
  @RequireCapability(Capability.TenantView, TENANT)
  @ApiOperation({ summary: 'One policy version with its full content and assignments.' })
  @ApiOkResponse({ type: PolicyVersionDto })
  async version(
    @Param('tenantId') tenantId: string,
    @Param('versionId') versionId: string,
  ): Promise<PolicyVersionDto> {
    return PolicyVersionDto.from(await this.inventory.getVersion(tenantId, versionId));
  }
}
