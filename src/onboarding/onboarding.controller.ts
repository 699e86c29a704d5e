import { Controller, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  Capability,
  CurrentPrincipal,
  Principal,
  ResolvedScope,
  type RecordScope,
} from '#libs/authz';
import {
  StartAnswer,
  StartsTenantRun,
  type RunStartAnswer,
  type StartedRunDto,
} from '#libs/operation-runs';
import { OnboardingService } from './onboarding.service.js';

@ApiTags('tenants')
@Controller('tenants/:tenantId/connection')
export class OnboardingController {
  constructor(private readonly onboarding: OnboardingService) {}

  @Post('verify')
  @StartsTenantRun(
    Capability.TenantManage,
    'Check the provider connection (provider_connection_verify): token, permissions, one read per resource family.',
  )
  async verify(
    @ResolvedScope() scope: RecordScope,
    @CurrentPrincipal() principal: Principal,
    @StartAnswer() answer: RunStartAnswer,
  ): Promise<StartedRunDto> {
    return answer(await this.onboarding.startVerify(scope, principal));
  }
}
