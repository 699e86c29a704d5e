import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
import { BackupSetsService } from './backup-sets.service.js';
import {
  AddPoliciesDto,
  BackupSetDto,
  BackupSetListDto,
  BackupSetWithItemsDto,
  CreateBackupSetDto,
} from './dto/backup-set.dto.js';

const TENANT = { record: 'tenant', param: 'tenantId' };

@ApiTags('backup sets')
@Controller('tenants/:tenantId/backup-sets')
export class BackupSetsController {
  constructor(private readonly sets: BackupSetsService) {}

  @Post()
  @RequireCapability(Capability.BackupRun, TENANT)
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
  @RequireCapability(Capability.TenantView, TENANT)
  @ApiOperation({ summary: "The tenant's backup sets (not expired by retention), newest first." })
  @ApiOkResponse({ type: BackupSetListDto })
  async list(@Param('tenantId') tenantId: string): Promise<BackupSetListDto> {
    return { items: (await this.sets.list(tenantId)).map(BackupSetDto.from) };
  }

  @Get(':setId')
  @RequireCapability(Capability.TenantView, TENANT)
  @ApiOperation({ summary: 'One backup set with its items (content and assignments).' })
  @ApiOkResponse({ type: BackupSetWithItemsDto })
  async get(
    @Param('tenantId') tenantId: string,
    @Param('setId') id: string,
  ): Promise<BackupSetWithItemsDto> {
    const { set, items } = await this.sets.get(tenantId, id);
    return BackupSetWithItemsDto.withItems(set, items);
  }

  @Post(':setId/policies')
  @RequireCapability(Capability.BackupRun, TENANT)
  @ApiOperation({ summary: 'Capture policies into the set: backup_set_add_policies.' })
  @StartsRun()
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
