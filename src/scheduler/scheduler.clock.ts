import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { SchedulerService } from './scheduler.service.js';

/**
 * The `scheduler` role's clock: a tick at the start of every minute. A tick still going when the
 * next minute starts is not doubled up on (the next one catches up whatever it left).
 */
@Injectable()
export class SchedulerClock {
  private readonly logger = new Logger(SchedulerClock.name);
  private ticking = false;

  constructor(private readonly scheduler: SchedulerService) {}

  @Cron(CronExpression.EVERY_MINUTE, { name: 'scheduler-tick' })
  async onMinute(): Promise<void> {
    if (this.ticking) {
      this.logger.warn('Previous tick still running; this minute is left to the next tick');
      return;
    }
    this.ticking = true;
    try {
      await this.scheduler.tick(new Date());
    } catch (error) {
      this.logger.error({ err: error }, 'Tick failed; the next tick retries what it left');
    } finally {
      this.ticking = false;
    }
  }
}
