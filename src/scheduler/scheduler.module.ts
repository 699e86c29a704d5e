import { Module, type OnModuleInit } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { OperationRunsModule, OperationRunsService } from '#libs/operation-runs';
import { SchedulerClock } from './scheduler.clock.js';
import { RunsPruneProcessor } from './runs-prune.processor.js';
import { RunsSweepProcessor } from './runs-sweep.processor.js';
import { SchedulerRepository } from './scheduler.repository.js';
import { PRUNE_EVERY_MS, RUNS_PRUNE, RUNS_SWEEP, SWEEP_EVERY_MS } from './scheduler.run-types.js';
import { SchedulerService } from './scheduler.service.js';
import { SchedulingModule, TickRegistry } from '#libs/scheduling';

/**
 * The scheduler (SPEC §4): `SchedulerService.tick` creates what is due — the fires of schedules
 * that families register as {@link TickSource}s, and periodic duties (the runs' liveness sweep
 * every 5 minutes and pruning daily, plus the families' own). The CLI's `scheduler:tick` runs one
 * tick; {@link SchedulerClockModule} ticks every minute in the `scheduler` role.
 */
@Module({
  imports: [OperationRunsModule.forFeature([RUNS_SWEEP, RUNS_PRUNE]), SchedulingModule],
  providers: [SchedulerRepository, SchedulerService, RunsSweepProcessor, RunsPruneProcessor],
  exports: [SchedulerService],
})
export class SchedulerModule implements OnModuleInit {
  constructor(
    private readonly registry: TickRegistry,
    private readonly runs: OperationRunsService,
  ) {}

  onModuleInit(): void {
    const systemDuty = (type: 'runs_sweep' | 'runs_prune', everyMs: number) => ({
      name: type,
      everyMs,
      start: (slot: Date) =>
        this.runs.startMany([
          {
            type,
            workspaceId: null,
            tenantId: null,
            inputs: { slot: slot.toISOString() },
            initiator: null,
          },
        ]),
    });
    this.registry.addDuty(systemDuty('runs_sweep', SWEEP_EVERY_MS));
    this.registry.addDuty(systemDuty('runs_prune', PRUNE_EVERY_MS));
  }
}

/** The minute clock, loaded only in processes with the `scheduler` role. */
@Module({
  imports: [ScheduleModule.forRoot(), SchedulerModule],
  providers: [SchedulerClock],
})
export class SchedulerClockModule {}
