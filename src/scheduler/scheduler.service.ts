import { Injectable, Logger } from '@nestjs/common';
import type { StartedRun } from '#libs/operation-runs';
import { SchedulerRepository } from './scheduler.repository.js';
import { TickRegistry } from '#libs/scheduling';
import { Metrics } from '#libs/metrics';

export interface TickedRun {
  id: string;
  type: string;
  status: string;
  scheduleId?: string;
  scheduledFor?: string;
  missedFires?: number;
}

export interface TickReport {
  now: string;
  /** Runs this tick created. */
  created: TickedRun[];
  /** Starts that found their run already made (by another scheduler, or an earlier tick). */
  deduplicated: number;
}

function ticked({ run }: StartedRun): TickedRun {
  const { scheduleId, scheduledFor, missedFires } = run.context;
  return {
    id: run.id,
    type: run.type,
    status: run.status,
    ...(typeof scheduleId === 'string' ? { scheduleId } : {}),
    ...(typeof scheduledFor === 'string' ? { scheduledFor } : {}),
    ...(typeof missedFires === 'number' ? { missedFires } : {}),
  };
}

/**
 * One tick: creates every run that is due at `now` — schedules' fires and periodic duties — and
 * nothing else (the work happens in the run handlers). Safe to run in any number of processes at
 * once: every run it creates has a strict identity, so the database lets each exist once.
 */
@Injectable()
export class SchedulerService {
  private readonly logger = new Logger(SchedulerService.name);

  constructor(
    private readonly registry: TickRegistry,
    private readonly duties: SchedulerRepository,
    private readonly metrics: Metrics,
  ) {}

  async tick(now = new Date()): Promise<TickReport> {
    const started: StartedRun[] = [];
    for (const source of this.registry.sources) started.push(...(await source.tick(now)));
    started.push(...(await this.startDuties(now)));
    const created = started.filter((s) => !s.deduplicated).map(ticked);
    const report = {
      now: now.toISOString(),
      created,
      deduplicated: started.length - created.length,
    };
    this.countTick(started);
    if (created.length || report.deduplicated) {
      this.logger.log(
        { now: report.now, created: created.length, deduplicated: report.deduplicated },
        'Tick created runs',
      );
    }
    return report;
  }

  private countTick(started: readonly StartedRun[]): void {
    this.metrics.schedulerTicks.inc();
    let created = 0;
    for (const { run, deduplicated } of started) {
      if (deduplicated) continue;
      created++;
      const scheduledFor = run.context.scheduledFor;
      if (typeof scheduledFor === 'string') {
        const late = run.createdAt.getTime() - Date.parse(scheduledFor);
        if (Number.isFinite(late)) this.metrics.schedulerLateness.observe(Math.max(0, late) / 1000);
      }
    }
    this.metrics.schedulerFires.inc({ result: 'created' }, created);
    this.metrics.schedulerFires.inc({ result: 'deduplicated' }, started.length - created);
  }

  private async startDuties(now: Date): Promise<StartedRun[]> {
    const lastSlots = await this.duties.lastSlots();
    const started: StartedRun[] = [];
    for (const duty of this.registry.duties) {
      const slot = new Date(Math.floor(now.getTime() / duty.everyMs) * duty.everyMs);
      // Any other slot than the last one started (a clock set back, a `--now` in the future)
      // starts the duty: its strict identity keeps each slot to one run.
      if (lastSlots.get(duty.name)?.getTime() === slot.getTime()) continue;
      // Started first, recorded after: a process that dies in between leaves the slot to the
      // next tick, whose strict identities find the runs already there.
      started.push(...(await duty.start(slot)));
      await this.duties.markSlotStarted(duty.name, slot);
    }
    return started;
  }
}
