import {
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';
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
  RunEventsService,
  RunPageDto,
  RunTypeRegistry,
} from '#libs/operation-runs';
import { RunTypeListDto } from './dto/run-type.dto.js';
import { streamRunEvents } from './run-event-stream.js';

const RUN = { record: 'run', param: 'id' };

@ApiTags('operations')
@Controller('operations')
export class OperationsController {
  constructor(
    private readonly runs: OperationRunsService,
    private readonly runEvents: RunEventsService,
    private readonly registry: RunTypeRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

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

  @Get('types')
  @Authenticated()
  @ApiOperation({ summary: 'The run types, with their labels and the capability each needs.' })
  @ApiOkResponse({ type: RunTypeListDto })
  types(): RunTypeListDto {
    return {
      items: this.registry
        .all()
        .filter((definition) => !definition.systemWide)
        .map(({ type, label, capability }) => ({ type, label, capability })),
    };
  }

  @Get(':id/events')
  @RequireCapability(CAPABILITY_OF_RECORD, RUN)
  @ApiOperation({
    summary:
      'The run live (Server-Sent Events): its state now, then each change (`event: run`), then `event: end` when it completes.',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description:
      'A stream of `event: run` (data: the run as GET /operations/{id} shows it) and a last `event: end`.',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'Resume: the state is sent again only if it changed since that event.',
  })
  async events(
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await streamRunEvents(request, reply, id, {
      runs: this.runs,
      events: this.runEvents,
      heartbeatSeconds: this.config.events.heartbeatSeconds,
    });
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
  async cancel(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<OperationRunDto> {
    return OperationRunDto.from(await this.runs.cancel(id, principal.actor));
  }
}
