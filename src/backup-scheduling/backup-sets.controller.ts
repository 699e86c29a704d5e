import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  Capability,
  CurrentPrincipal,
  Principal,
  RequireTenantCapability,
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
import { BackupSetsService } from './backup-sets.service.js';
import {
  AddPoliciesDto,
  BackupSetDto,
  BackupSetListDto,
  BackupSetWithItemsDto,
  CreateBackupSetDto,
} from './dto/backup-set.dto.js';

@ApiTags('backup sets')
@Controller('tenants/:tenantId/backup-sets')
export class BackupSetsController {
  constructor(private readonly sets: BackupSetsService) {}

  @Post()
  @RequireTenantCapability(Capability.BackupRun)
  @ApiOperation({ summary: 'An empty backup set, to add chosen policies to.' })
  @ApiCreatedResponse({ type: BackupSetDto })
  async create(
    @Body() body: CreateBackupSetDto,
    @ResolvedScope() scope: RecordScope,
    @CurrentPrincipal() principal: Principal,
  ): Promise<BackupSetDto> {
    return BackupSetDto.from(await this.sets.create(scope, body.name, principal.actor));
  }

  @Get()
  @TenantRead(
    "The tenant's backup sets (not expired by retention), newest first.",
    BackupSetListDto,
  )
  async list(@Param('tenantId') tenantId: string): Promise<BackupSetListDto> {
    return { items: (await this.sets.list(tenantId)).map(BackupSetDto.from) };
  }

  @Get(':setId')
  @TenantRead('One backup set with its items (content and assignments).', BackupSetWithItemsDto)
  async get(
    @Param('tenantId') tenantId: string,
    @Param('setId') id: string,
  ): Promise<BackupSetWithItemsDto> {
    const { set, items } = await this.sets.get(tenantId, id);
    return BackupSetWithItemsDto.withItems(set, items);
  }

  @Post(':setId/policies')
  @StartsTenantRun(Capability.BackupRun, 'Capture policies into the set: backup_set_add_policies.')
  async addPolicies(
    @Param('tenantId') tenantId: string,
    @Param('setId') id: string,
    @Body() body: AddPoliciesDto,
    @CurrentPrincipal() principal: Principal,
    @StartAnswer() answer: RunStartAnswer,
  ): Promise<StartedRunDto> {
    return answer(await this.sets.addPolicies(tenantId, id, body.policyIds, principal));
  }
}
