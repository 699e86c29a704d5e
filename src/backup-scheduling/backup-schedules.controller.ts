import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  Capability,
  CurrentPrincipal,
  Principal,
  RequireCapability,
  ResolvedScope,
  type RecordScope,
} from '../../libs/authz/index.js';
import {
  ApiIdempotencyKey,
  IdempotencyKey,
  OperationRunDto,
  RunPageDto,
  StartAnswer,
  StartsRun,
  type RunStartAnswer,
  type StartedRunDto,
} from '../../libs/operation-runs/index.js';
import { BackupSchedulesService } from './backup-schedules.service.js';
import {
  BackupScheduleDto,
  BackupScheduleListDto,
  CreateBackupScheduleDto,
  ScheduleRunsQueryDto,
  UpdateBackupScheduleDto,
} from './dto/backup-schedule.dto.js';

const TENANT = { record: 'tenant', param: 'tenantId' };

@ApiTags('backup schedules')
@Controller('tenants/:tenantId/backup-schedules')
export class BackupSchedulesController {
  constructor(private readonly schedules: BackupSchedulesService) {}

  @Post()
  @RequireCapability(Capability.BackupManage, TENANT)
  @ApiOperation({ summary: 'Create a schedule (cron + IANA time zone, validated).' })
  @ApiCreatedResponse({ type: BackupScheduleDto })
  async create(
    @Body() body: CreateBackupScheduleDto,
    @ResolvedScope() scope: RecordScope,
    @CurrentPrincipal() principal: Principal,
  ): Promise<BackupScheduleDto> {
    return BackupScheduleDto.from(await this.schedules.create(scope, body, principal.actor));
  }

  @Get()
  @RequireCapability(Capability.TenantView, TENANT)
  @ApiOperation({ summary: "The tenant's schedules." })
  @ApiOkResponse({ type: BackupScheduleListDto })
  async list(@Param('tenantId') tenantId: string): Promise<BackupScheduleListDto> {
    return { items: (await this.schedules.list(tenantId)).map(BackupScheduleDto.from) };
  }

  @Get(':scheduleId')
  @RequireCapability(Capability.TenantView, TENANT)
  @ApiOkResponse({ type: BackupScheduleDto })
  async get(
    @Param('tenantId') tenantId: string,
    @Param('scheduleId') id: string,
  ): Promise<BackupScheduleDto> {
    return BackupScheduleDto.from(await this.schedules.get(tenantId, id));
  }

  @Patch(':scheduleId')
  @RequireCapability(Capability.BackupManage, TENANT)
  @ApiOperation({
    summary: 'Change a schedule. New timing (cron, zone, enabled) counts fires from now.',
  })
  @ApiOkResponse({ type: BackupScheduleDto })
  async update(
    @Param('tenantId') tenantId: string,
    @Param('scheduleId') id: string,
    @Body() body: UpdateBackupScheduleDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<BackupScheduleDto> {
    return BackupScheduleDto.from(await this.schedules.update(tenantId, id, body, principal.actor));
  }

  @Delete(':scheduleId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @RequireCapability(Capability.BackupManage, TENANT)
  @ApiOperation({ summary: 'Delete a schedule. Its runs and backup sets stay readable.' })
  @ApiNoContentResponse()
  async remove(
    @Param('tenantId') tenantId: string,
    @Param('scheduleId') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    await this.schedules.remove(tenantId, id, principal.actor);
  }

  @Post(':scheduleId/run')
  @RequireCapability(Capability.BackupRun, TENANT)
  @ApiOperation({ summary: 'Run the schedule now: a new backup_schedule_run per request.' })
  @StartsRun()
  @ApiIdempotencyKey()
  async run(
    @Param('tenantId') tenantId: string,
    @Param('scheduleId') id: string,
    @CurrentPrincipal() principal: Principal,
    @StartAnswer() answer: RunStartAnswer,
    @IdempotencyKey() idempotencyKey?: string,
  ): Promise<StartedRunDto> {
    return answer(await this.schedules.runNow(tenantId, id, principal, idempotencyKey));
  }

  @Post(':scheduleId/retry')
  @RequireCapability(Capability.BackupRun, TENANT)
  @ApiOperation({ summary: "Retry the schedule's last run, which must have failed." })
  @StartsRun()
  @ApiIdempotencyKey()
  @ApiConflictResponse({ description: 'The last finished run did not fail: nothing to retry.' })
  async retry(
    @Param('tenantId') tenantId: string,
    @Param('scheduleId') id: string,
    @CurrentPrincipal() principal: Principal,
    @StartAnswer() answer: RunStartAnswer,
    @IdempotencyKey() idempotencyKey?: string,
  ): Promise<StartedRunDto> {
    return answer(await this.schedules.retry(tenantId, id, principal, idempotencyKey));
  }

  @Get(':scheduleId/runs')
  @RequireCapability(Capability.TenantView, TENANT)
  @ApiOperation({ summary: "The schedule's runs, newest first (as GET /operations)." })
  @ApiOkResponse({ type: RunPageDto })
  async runs(
    @Param('tenantId') tenantId: string,
    @Param('scheduleId') id: string,
    @CurrentPrincipal() principal: Principal,
    @Query() query: ScheduleRunsQueryDto,
  ): Promise<RunPageDto> {
    const page = await this.schedules.runsOf(tenantId, id, principal, query);
    return { items: page.items.map(OperationRunDto.from), nextCursor: page.nextCursor };
  }
}
