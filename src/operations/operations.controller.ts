import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  Authenticated,
  CAPABILITY_OF_RECORD,
  CurrentPrincipal,
  Principal,
  RequireCapability,
} from '#libs/authz';
import { mapPage } from '#libs/common/pagination';
import {
  ListRunsQueryDto,
  OperationRunDto,
  OperationRunsService,
  RunPageDto,
} from '#libs/operation-runs';

const RUN = { record: 'run', param: 'id' };

@ApiTags('operations')
@Controller('operations')
export class OperationsController {
  constructor(private readonly runs: OperationRunsService) {}

  @Get()
  @Authenticated()
  @ApiOperation({ summary: 'Runs the caller may view, newest first (keyset pagination).' })
  @ApiOkResponse({ type: RunPageDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListRunsQueryDto,
  ): Promise<RunPageDto> {
    return mapPage(await this.runs.list(principal, query), OperationRunDto.from);
  }

  @Get(':id')
  @RequireCapability(CAPABILITY_OF_RECORD, RUN)
  @ApiOperation({ summary: 'One run: the canonical view. Needs the capability of the run type.' })
  @ApiOkResponse({ type: OperationRunDto })
  async get(@Param('id') id: string): Promise<OperationRunDto> {
    return OperationRunDto.from(await this.runs.get(id));
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.ACCEPTED)
  @RequireCapability(CAPABILITY_OF_RECORD, RUN)
  @ApiOperation({
    summary:
      'Cancel a run: a queued run at once, a running one at its next heartbeat. 409 if completed.',
  })
  @ApiAcceptedResponse({ type: OperationRunDto })
  async cancel(@Param('id') id: string): Promise<OperationRunDto> {
    return OperationRunDto.from(await this.runs.cancel(id));
  }
}
