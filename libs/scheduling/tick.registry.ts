import { Injectable } from '@nestjs/common';
import type { StartedRun } from '#libs/operation-runs';

/** Work a tick hands out: creates the runs that are due at `now` (and only creates them). */
export interface TickSource {
  name: string;
  tick(now: Date): Promise<StartedRun[]>;
}

/**
 * A duty started once per slot of `everyMs` (UTC-aligned: every 5 minutes, daily at midnight).
 * `start` must start its runs with a strict identity keyed by the slot, so that any number of
 * scheduler processes meeting the same slot start them once.
 */
export interface PeriodicDuty {
  name: string;
  everyMs: number;
  start(slot: Date): Promise<StartedRun[]>;
}

/** What the scheduler ticks: each family registers its sources and duties at init. */
@Injectable()
export class TickRegistry {
  private readonly sourceList: TickSource[] = [];
  private readonly dutyList: PeriodicDuty[] = [];

  addSource(source: TickSource): void {
    this.sourceList.push(source);
  }

  addDuty(duty: PeriodicDuty): void {
    if (this.dutyList.some((d) => d.name === duty.name)) {
      throw new Error(`Scheduler duty "${duty.name}" is registered twice.`);
    }
    this.dutyList.push(duty);
  }

  get sources(): readonly TickSource[] {
    return this.sourceList;
  }

  get duties(): readonly PeriodicDuty[] {
    return this.dutyList;
  }
}
