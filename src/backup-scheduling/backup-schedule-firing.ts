import { Injectable, Logger } from '@nestjs/common';
import { TransactionRunner } from '#libs/common/db';
import { OperationRunsService, type StartedRun } from '#libs/operation-runs';
import { BatchFiring, type TickSource } from '#libs/scheduling';
import { BackupScheduleRepository, type DueSchedule } from './backup-schedules.repository.js';

/**
 * The scheduler's source of backup runs: the schedules fired by the shared {@link BatchFiring}
 * (claimed in batches, the latest owed fire of each started, `next_fire_at` moved past `now`).
 * A fire's run is a `backup_schedule_run` with the strict identity schedule + fire time. A
 * deleted tenant's schedule stops (and stays readable with its history).
 */
@Injectable()
export class BackupScheduleFiring implements TickSource {
  readonly name = 'backup_schedules';
  private readonly logger = new Logger(BackupScheduleFiring.name);
  private readonly firing: BatchFiring<DueSchedule>;

  constructor(
    transactions: TransactionRunner,
    private readonly schedules: BackupScheduleRepository,
    private readonly runs: OperationRunsService,
  ) {
    this.firing = new BatchFiring(transactions, {
      logger: this.logger,
      messages: {
        fired: 'Fired schedules',
        unparsable:
          'Stored schedule timing does not parse; the schedule is stopped until it is edited',
      },
      describe: (schedule) => ({ scheduleId: schedule.id }),
      claimDue: (now, limit, tx) => this.schedules.claimDue(now, limit, tx),
      advance: (next, tx) =>
        this.schedules.advance(
          next.map(({ entry, nextFireAt }) => ({ id: entry.id, nextFireAt })),
          tx,
        ),
      start: (fires) =>
        this.runs.startMany(
          fires.map(({ entry: schedule, fire, missedFires }) => ({
            type: 'backup_schedule_run' as const,
            scope: 'strict' as const,
            workspaceId: schedule.workspaceId,
            tenantId: schedule.tenantId,
            inputs: { scheduleId: schedule.id, scheduledFor: fire.toISOString() },
            context: { missedFires },
            initiator: null,
          })),
        ),
    });
  }

  tick(now: Date): Promise<StartedRun[]> {
    return this.firing.fireDue(now);
  }
}
