import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  Capability,
  CurrentPrincipal,
  Principal,
  RequireTenantCapability,
  TenantRead,
} from '#libs/authz';
import { TenantsService } from '#libs/tenancy';
import { TenantDto, UpdateTenantDto } from './dto/tenant.dto.js';

@ApiTags('tenants')
@Controller('tenants/:tenantId')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Get()
  @TenantRead('One managed tenant (never its secret).', TenantDto)
  async get(@Param('tenantId') tenantId: string): Promise<TenantDto> {
    return TenantDto.from(await this.tenants.get(tenantId));
  }

  @Patch()
  @RequireTenantCapability(Capability.TenantManage)
  @ApiOperation({ summary: 'Change the display name or the provider connection.' })
  @ApiOkResponse({ type: TenantDto })
  async update(
    @Param('tenantId') tenantId: string,
    @Body() body: UpdateTenantDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<TenantDto> {
    return TenantDto.from(await this.tenants.update(tenantId, body, principal.actor));
  }

  @Delete()
  @HttpCode(HttpStatus.NO_CONTENT)
  @RequireTenantCapability(Capability.TenantManage)
  @ApiOperation({ summary: 'Stop managing the tenant. Its history stays readable by its runs.' })
  @ApiNoContentResponse()
  async remove(
    @Param('tenantId') tenantId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    await this.tenants.remove(tenantId, principal.actor);
  }
}
