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
  RequireTenantCapability,
  ResolvedScope,
  TenantRead,
  type RecordScope,
} from '#libs/authz';
import { mapPage } from '#libs/common/pagination';
import {
  ApiIdempotencyKey,
  IdempotencyKey,
  OperationRunDto,
  RunPageDto,
  StartAnswer,
  StartsTenantRun,
  type RunStartAnswer,
  type StartedRunDto,
} from '#libs/operation-runs';
import { BackupSchedulesService } from './backup-schedules.service.js';
import {
  BackupScheduleDto,
  BackupScheduleListDto,
  CreateBackupScheduleDto,
  ScheduleRunsQueryDto,
  UpdateBackupScheduleDto,
} from './dto/backup-schedule.dto.js';

@ApiTags('backup schedules')
@Controller('tenants/:tenantId/backup-schedules')
export class BackupSchedulesController {
  constructor(private readonly schedules: BackupSchedulesService) {}

  @Post()
  @RequireTenantCapability(Capability.BackupManage)
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
  @TenantRead("The tenant's schedules.", BackupScheduleListDto)
  async list(@Param('tenantId') tenantId: string): Promise<BackupScheduleListDto> {
    return { items: (await this.schedules.list(tenantId)).map(BackupScheduleDto.from) };
  }

  @Get(':scheduleId')
  @TenantRead('One schedule, with its next fire time.', BackupScheduleDto)
  async get(
    @Param('tenantId') tenantId: string,
    @Param('scheduleId') id: string,
  ): Promise<BackupScheduleDto> {
    return BackupScheduleDto.from(await this.schedules.get(tenantId, id));
  }

  @Patch(':scheduleId')
  @RequireTenantCapability(Capability.BackupManage)
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
  @RequireTenantCapability(Capability.BackupManage)
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
  @StartsTenantRun(
    Capability.BackupRun,
    'Run the schedule now: a new backup_schedule_run per request.',
  )
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
  @StartsTenantRun(Capability.BackupRun, "Retry the schedule's last run, which must have failed.")
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
  @TenantRead("The schedule's runs, newest first (as GET /operations).", RunPageDto)
  async runs(
    @Param('tenantId') tenantId: string,
    @Param('scheduleId') id: string,
    @CurrentPrincipal() principal: Principal,
    @Query() query: ScheduleRunsQueryDto,
  ): Promise<RunPageDto> {
    return mapPage(
      await this.schedules.runsOf(tenantId, id, principal, query),
      OperationRunDto.from,
    );
  }
}
