import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  Capability,
  CurrentPrincipal,
  Principal,
  RequireTenantCapability,
  TenantRead,
} from '#libs/authz';
import { CREDENTIAL_FIELDS, TenantsService } from '#libs/tenancy';
import { OnboardingService } from '../onboarding/index.js';
import { TenantDto, UpdateTenantDto } from './dto/tenant.dto.js';

@ApiTags('tenants')
@Controller('tenants/:tenantId')
export class TenantsController {
  constructor(
    private readonly tenants: TenantsService,
    private readonly onboarding: OnboardingService,
  ) {}

  @Get()
  @TenantRead(
    'One managed tenant (never its secret), with its connection and newest runs.',
    TenantDto,
  )
  async get(@Param('tenantId') tenantId: string): Promise<TenantDto> {
    const tenant = await this.tenants.get(tenantId);
    const lastRuns = await this.onboarding.lastRunsOf([tenant.id]);
    return TenantDto.from(tenant, lastRuns.get(tenant.id)!);
  }

  @Patch()
  @RequireTenantCapability(Capability.TenantManage)
  @ApiOperation({
    summary:
      'Change the display name or the provider connection (a new connection is verified at once: `verifyRun`).',
  })
  @ApiOkResponse({ type: TenantDto })
  async update(
    @Param('tenantId') tenantId: string,
    @Body() body: UpdateTenantDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<TenantDto> {
    const tenant = await this.tenants.update(tenantId, body, principal.actor);
    const verify = CREDENTIAL_FIELDS.some((field) => body[field] !== undefined)
      ? await this.onboarding.verifyAfterChange(tenant, principal)
      : undefined;
    const lastRuns = await this.onboarding.lastRunsOf([tenant.id]);
    return TenantDto.from(tenant, lastRuns.get(tenant.id)!, verify);
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
