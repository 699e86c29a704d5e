import { Module } from '@nestjs/common';
import { TickRegistry } from './tick.registry.js';

/**
 * What the scheduler ticks and how fire times are computed. Families register their tick sources
 * and duties with the {@link TickRegistry}; the scheduler (`src/scheduler`) runs the tick.
 */
@Module({ providers: [TickRegistry], exports: [TickRegistry] })
export class SchedulingModule {}
