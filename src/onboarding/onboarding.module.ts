import { Module } from '@nestjs/common';
import { GraphModule } from '#libs/graph';
import { OperationRunsModule } from '#libs/operation-runs';
import { TenancyModule } from '#libs/tenancy';
import { ConnectionVerifyProcessor } from './connection-verify.processor.js';
import { OnboardingController } from './onboarding.controller.js';
import { PROVIDER_CONNECTION_VERIFY } from './onboarding.run-types.js';
import { OnboardingService } from './onboarding.service.js';

/**
 * Onboarding: the provider connection check (`provider_connection_verify`) and what a tenant
 * shows of its connection and newest runs. Exports the starts and reads the management API and
 * the sync families use.
 */
@Module({
  imports: [
    OperationRunsModule.forFeature([PROVIDER_CONNECTION_VERIFY]),
    TenancyModule,
    GraphModule,
  ],
  controllers: [OnboardingController],
  providers: [OnboardingService, ConnectionVerifyProcessor],
  exports: [OnboardingService],
})
export class OnboardingModule {}
