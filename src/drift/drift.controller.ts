import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  Capability,
  CurrentPrincipal,
  Principal,
  ResolvedScope,
  TenantRead,
  type RecordScope,
} from '#libs/authz';
import { mapPage } from '#libs/common/pagination';
import {
  StartAnswer,
  StartsTenantRun,
  type RunStartAnswer,
  type StartedRunDto,
} from '#libs/operation-runs';
import {
  DriftFindingDto,
  DriftFindingPageDto,
  ListFindingsQueryDto,
  StartDriftDto,
} from './dto/drift.dto.js';
import { DriftService } from './drift.service.js';

@ApiTags('drift')
@Controller('tenants/:tenantId/drift')
export class DriftController {
  constructor(private readonly drift: DriftService) {}

  @Post('generate')
  @StartsTenantRun(
    Capability.DriftGenerate,
    'Compare two succeeded inventory syncs (drift_generate_findings); default: the latest two.',
  )
  async generate(
    @Body() body: StartDriftDto,
    @ResolvedScope() scope: RecordScope,
    @CurrentPrincipal() principal: Principal,
    @StartAnswer() answer: RunStartAnswer,
  ): Promise<StartedRunDto> {
    return answer(await this.drift.startDrift(scope, principal, body));
  }

  @Get('findings')
  @TenantRead('Drift findings, newest first (keyset pagination).', DriftFindingPageDto)
  async findings(
    @Param('tenantId') tenantId: string,
    @Query() query: ListFindingsQueryDto,
  ): Promise<DriftFindingPageDto> {
    return mapPage(await this.drift.listFindings(tenantId, query), DriftFindingDto.from);
  }

  @Get('findings/:findingId')
  @TenantRead('One drift finding.', DriftFindingDto)
  async finding(
    @Param('tenantId') tenantId: string,
    @Param('findingId') findingId: string,
  ): Promise<DriftFindingDto> {
    return DriftFindingDto.from(await this.drift.finding(tenantId, findingId));
  }
}
