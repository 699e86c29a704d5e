import { Module } from '@nestjs/common';
import { TenancyModule } from '#libs/tenancy';
import { OnboardingModule } from '../onboarding/index.js';
import { MeController } from './me.controller.js';
import { TenantsController } from './tenants.controller.js';
import { WorkspacesController } from './workspaces.controller.js';

/** The management API: the caller, workspace members and managed tenants. */
@Module({
  imports: [TenancyModule, OnboardingModule],
  controllers: [MeController, WorkspacesController, TenantsController],
})
export class ManagementModule {}
