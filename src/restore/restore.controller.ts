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
  ApiBadRequestResponse,
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
  RequireTenantCapability,
  ResolvedScope,
  TenantRead,
  type RecordRef,
  type RecordScope,
} from '#libs/authz';
import { mapPage } from '#libs/common/pagination';
import {
  StartAnswer,
  StartsRun,
  type RunStartAnswer,
  type StartedRunDto,
} from '#libs/operation-runs';
import {
  CreateRestoreRunDto,
  RestoreRunDto,
  RestoreRunPageDto,
  RestoreRunsQueryDto,
  RestoreRunWithItemsDto,
  UpdateRestoreRunDto,
} from './dto/restore-run.dto.js';
import { RestoreService } from './restore.service.js';

/** The restore run a `/tenants/:tenantId/restore-runs/:restoreRunId` route names. */
const RESTORE_RUN: RecordRef = { record: 'restore_run', param: 'restoreRunId' };

@ApiTags('restore')
@Controller('tenants/:tenantId/restore-runs')
export class RestoreController {
  constructor(private readonly restores: RestoreService) {}

  @Post()
  @RequireTenantCapability(Capability.RestoreExecute)
  @ApiOperation({
    summary: 'A restore run (draft) from a backup set of the workspace, with its preview.',
  })
  @ApiCreatedResponse({ type: RestoreRunWithItemsDto })
  @ApiBadRequestResponse({
    description: 'An unknown set, item or group, or a set of another workspace.',
  })
  async create(
    @Body() body: CreateRestoreRunDto,
    @ResolvedScope() scope: RecordScope,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RestoreRunWithItemsDto> {
    const { run, items } = await this.restores.create(scope, body, principal);
    return RestoreRunWithItemsDto.withItems(run, items);
  }

  @Get()
  @TenantRead("The tenant's restore runs, newest first (keyset pagination).", RestoreRunPageDto)
  async list(
    @Param('tenantId') tenantId: string,
    @Query() query: RestoreRunsQueryDto,
  ): Promise<RestoreRunPageDto> {
    return mapPage(await this.restores.list(tenantId, query), RestoreRunDto.from);
  }

  @Get(':restoreRunId')
  @RequireCapability(Capability.TenantView, RESTORE_RUN)
  @ApiOperation({ summary: 'One restore run with its items: their plan, progress and results.' })
  @ApiOkResponse({ type: RestoreRunWithItemsDto })
  async get(
    @Param('tenantId') tenantId: string,
    @Param('restoreRunId') id: string,
  ): Promise<RestoreRunWithItemsDto> {
    const { run, items } = await this.restores.get(tenantId, id);
    return RestoreRunWithItemsDto.withItems(run, items);
  }

  @Patch(':restoreRunId')
  @RequireCapability(Capability.RestoreExecute, RESTORE_RUN)
  @ApiOperation({ summary: "Change a draft's choices; the preview is computed again." })
  @ApiOkResponse({ type: RestoreRunWithItemsDto })
  @ApiConflictResponse({ description: 'The restore run is no longer a draft.' })
  async update(
    @Param('tenantId') tenantId: string,
    @Param('restoreRunId') id: string,
    @Body() body: UpdateRestoreRunDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RestoreRunWithItemsDto> {
    const { run, items } = await this.restores.update(tenantId, id, body, principal);
    return RestoreRunWithItemsDto.withItems(run, items);
  }

  @Delete(':restoreRunId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @RequireCapability(Capability.RestoreExecute, RESTORE_RUN)
  @ApiOperation({ summary: 'Delete a draft.' })
  @ApiNoContentResponse()
  @ApiConflictResponse({ description: 'The restore run is no longer a draft.' })
  async remove(
    @Param('tenantId') tenantId: string,
    @Param('restoreRunId') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    await this.restores.remove(tenantId, id, principal.actor);
  }

  @Post(':restoreRunId/execute')
  @RequireCapability(Capability.RestoreExecute, RESTORE_RUN)
  @ApiOperation({
    summary: 'Execute the restore (restore_execute): once; executing again answers the same run.',
  })
  @StartsRun()
  @ApiConflictResponse({ description: 'Blockers remain (named), or the source set is gone.' })
  async execute(
    @Param('tenantId') tenantId: string,
    @Param('restoreRunId') id: string,
    @CurrentPrincipal() principal: Principal,
    @StartAnswer() answer: RunStartAnswer,
  ): Promise<StartedRunDto> {
    return answer(await this.restores.execute(tenantId, id, principal));
  }
}
