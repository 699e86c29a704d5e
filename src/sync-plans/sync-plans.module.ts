import { Module, type OnModuleInit } from '@nestjs/common';
import { SchedulingModule, TickRegistry } from '#libs/scheduling';
import { TenancyModule } from '#libs/tenancy';
import { SyncPlanFiring } from './sync-plan-firing.js';
import { SyncPlansController } from './sync-plans.controller.js';
import { SyncPlanRepository } from './sync-plans.repository.js';
import { SyncPlansService } from './sync-plans.service.js';

/**
 * Each tenant's sync plan (inventory, directory groups, role definitions: cron + zone each), and
 * its fires: the scheduler's second tick source ({@link SyncPlanFiring}). The runs it starts are
 * the sync families' own types, started by name through OperationRuns.
 */
@Module({
  imports: [TenancyModule, SchedulingModule],
  controllers: [SyncPlansController],
  providers: [SyncPlanRepository, SyncPlansService, SyncPlanFiring],
})
export class SyncPlansModule implements OnModuleInit {
  constructor(
    private readonly ticks: TickRegistry,
    private readonly firing: SyncPlanFiring,
  ) {}

  onModuleInit(): void {
    this.ticks.addSource(this.firing);
  }
}
