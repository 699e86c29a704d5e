import { Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { TransactionRunner } from '#libs/common/db';
import {
  OperationRunsService,
  type RunType,
  type StartedRun,
  type StartRunRequest,
} from '#libs/operation-runs';
import { dueFire, FireSchedule, type TickSource } from '#libs/scheduling';
import { BackupScheduleRepository } from './backup-schedules.repository.js';

/** Schedules claimed and fired per transaction. */
export const FIRE_BATCH = 500;

/**
 * The scheduler's source of backup runs. Each batch, in one transaction: claim up to
 * {@link FIRE_BATCH} due schedules (`FOR UPDATE SKIP LOCKED`), start the latest owed fire of each
 * with a strict identity (schedule + fire time, one multi-row insert), and move `next_fire_at`
 * past `now` (one update). Exactly once comes from the identity's unique index; the row locks
 * only keep several schedulers from doing the same work twice. The runs are committed before
 * the schedules move on, so a scheduler that dies in between leaves fires that the next tick
 * finds already started, never fires that are lost.
 */
@Injectable()
export class BackupScheduleFiring implements TickSource {
  readonly name = 'backup_schedules';
  private readonly logger = new Logger(BackupScheduleFiring.name);
  private readonly parsed = new LRUCache<string, FireSchedule>({ max: 5000 });

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly schedules: BackupScheduleRepository,
    private readonly runs: OperationRunsService,
  ) {}

  async tick(now: Date): Promise<StartedRun[]> {
    const started: StartedRun[] = [];
    for (;;) {
      const batch = await this.fireBatch(now);
      started.push(...batch.started);
      if (batch.claimed < FIRE_BATCH) return started;
    }
  }

  private fireBatch(now: Date): Promise<{ claimed: number; started: StartedRun[] }> {
    return this.transactions.run(async (tx) => {
      const due = await this.schedules.claimDue(now, FIRE_BATCH, tx);
      const starts: StartRunRequest<RunType>[] = [];
      const next: { id: string; nextFireAt: Date | null }[] = [];
      for (const schedule of due) {
        if (!schedule.tenantLive) {
          // The tenant was deleted: the schedule stops (and stays readable with its history).
          next.push({ id: schedule.id, nextFireAt: null });
          continue;
        }
        const fireSchedule = this.fireScheduleOf(schedule);
        if (!fireSchedule) {
          next.push({ id: schedule.id, nextFireAt: null });
          continue;
        }
        const owed = dueFire(fireSchedule, schedule.nextFireAt, now);
        next.push({ id: schedule.id, nextFireAt: owed.next });
        if (!owed.fire) continue;
        starts.push({
          type: 'backup_schedule_run',
          scope: 'strict',
          workspaceId: schedule.workspaceId,
          tenantId: schedule.tenantId,
          inputs: { scheduleId: schedule.id, scheduledFor: owed.fire.toISOString() },
          context: { missedFires: owed.missedFires },
          initiator: null,
        });
      }
      const started = starts.length ? await this.runs.startMany(starts) : [];
      await this.schedules.advance(next, tx);
      if (started.length)
        this.logger.debug({ claimed: due.length, started: started.length }, 'Fired schedules');
      return { claimed: due.length, started };
    });
  }

  /** Null (logged) for timing that no longer parses, which stops that schedule, not the tick. */
  private fireScheduleOf(schedule: {
    id: string;
    cron: string;
    timezone: string;
  }): FireSchedule | null {
    const key = `${schedule.timezone} ${schedule.cron}`;
    let parsed = this.parsed.get(key);
    if (!parsed) {
      try {
        parsed = FireSchedule.parse(schedule.cron, schedule.timezone);
      } catch (error) {
        this.logger.error(
          { scheduleId: schedule.id, err: error },
          'Stored schedule timing does not parse; the schedule is stopped until it is edited',
        );
        return null;
      }
      this.parsed.set(key, parsed);
    }
    return parsed;
  }
}
