import { Cron } from 'croner';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Why a cron expression or time zone was refused, naming the field. */
export class FireScheduleError extends Error {
  constructor(
    readonly field: 'cron' | 'timezone',
    message: string,
  ) {
    super(message);
    this.name = 'FireScheduleError';
  }
}

/** Offset from UTC (ms) of a zone at an instant, from the platform's time-zone database (ICU). */
class ZoneOffsets {
  private static readonly formats = new Map<string, Intl.DateTimeFormat>();

  static canonical(zone: string): string {
    let resolved = '';
    try {
      resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    } catch {
      // refused below
    }
    // Node >= 22 also takes UTC offsets ("+01:00", "-0530") as time zones: they are not IANA names.
    if (!resolved || /^[+-]/.test(resolved)) {
      throw new FireScheduleError('timezone', `timezone "${zone}" is not an IANA time zone.`);
    }
    return resolved;
  }

  static at(zone: string, epochMs: number): number {
    if (zone === 'UTC') return 0;
    let format = this.formats.get(zone);
    if (!format) {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
      this.formats.set(zone, format);
    }
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(epochMs)) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const wall = Date.UTC(
      parts.year!,
      parts.month! - 1,
      parts.day!,
      parts.hour!,
      parts.minute!,
      parts.second!,
    );
    return wall - Math.floor(epochMs / 1000) * 1000;
  }
}

/**
 * A cron expression (5 fields) read in an IANA time zone, with the DST rules of SPEC §4:
 *
 * - fire times are the local wall-clock times the expression matches, each turned into an instant;
 * - a local time that does not exist (spring forward) fires once, shifted forward by the length of
 *   the gap (02:30 in a 02:00→03:00 gap fires at 03:30 local time), like Temporal's `compatible`;
 * - a local time that occurs twice (fall back) fires once, at its first occurrence;
 * - two local times that land on one instant (02:30 shifted, and 03:30) fire once.
 *
 * The expression itself is matched by croner against the wall clock (in UTC, which has no DST);
 * the wall-clock → instant step is ours, so every expression follows the same rules (croner treats
 * "interval" expressions differently across DST, which the SPEC does not).
 */
export class FireSchedule {
  private constructor(
    private readonly pattern: Cron,
    readonly cron: string,
    readonly timezone: string,
  ) {}

  /** Parses and validates; throws {@link FireScheduleError} naming the field at fault. */
  static parse(cron: string, timezone: string): FireSchedule {
    const zone = ZoneOffsets.canonical(timezone);
    const fields = cron.trim().split(/\s+/);
    if (fields.length !== 5) {
      throw new FireScheduleError(
        'cron',
        `cron must have 5 fields (minute hour day-of-month month day-of-week), not ${fields.length}.`,
      );
    }
    let pattern: Cron;
    try {
      pattern = new Cron(fields.join(' '), { mode: '5-part', utcOffset: 0, paused: true });
    } catch (error) {
      throw new FireScheduleError(
        'cron',
        `cron is invalid: ${(error as Error).message.replace(/^CronPattern: /, '')}`,
      );
    }
    const schedule = new FireSchedule(pattern, fields.join(' '), zone);
    if (!pattern.nextRun(new Date(Date.UTC(2000, 0, 1)))) {
      throw new FireScheduleError('cron', 'cron never fires (no date matches it).');
    }
    return schedule;
  }

  /**
   * The instant a local wall-clock time (given as if it were UTC) fires at, and the largest
   * offset around it (no later wall-clock time can fire before `wall - maxOffset`).
   */
  private instantOf(wall: number): { instant: number; maxOffset: number } {
    const before = ZoneOffsets.at(this.timezone, wall - DAY);
    const after = ZoneOffsets.at(this.timezone, wall + DAY);
    const valid = (instant: number) => instant + ZoneOffsets.at(this.timezone, instant) === wall;
    const exists = [wall - before, wall - after].filter(valid);
    // Occurs twice: the earlier instant. Occurs never (a gap): shifted by the gap's length.
    const instant = exists.length ? Math.min(...exists) : wall - before;
    return { instant, maxOffset: Math.max(before, after) };
  }

  /** Wall-clock bounds that hold every local time whose instant lies in [from, until]. */
  private wallWindow(from: number, until: number): [number, number] {
    const offsets = (t: number) => [
      ZoneOffsets.at(this.timezone, t - DAY),
      ZoneOffsets.at(this.timezone, t + DAY),
    ];
    return [
      from + Math.min(...offsets(from)) - MINUTE,
      until + Math.max(...offsets(until)) + MINUTE,
    ];
  }

  /**
   * Fire instants `t` with `from <= t <= until`, ascending, each once; at most `limit` of them
   * (the earliest).
   */
  between(from: Date, until: Date, limit = Number.POSITIVE_INFINITY): Date[] {
    const [start, end] = this.wallWindow(from.getTime(), until.getTime());
    const instants = new Set<number>();
    let latest = Number.NEGATIVE_INFINITY;
    for (
      let wall = this.pattern.nextRun(new Date(start - 1));
      wall && wall.getTime() <= end;
      wall = this.pattern.nextRun(wall)
    ) {
      const { instant, maxOffset } = this.instantOf(wall.getTime());
      // Instants follow wall-clock order except around a gap, whose shifted times may come
      // after later ones: stop only once no later wall-clock time can fire before those held.
      if (instants.size >= limit && wall.getTime() - maxOffset > latest) break;
      if (instant >= from.getTime() && instant <= until.getTime()) {
        instants.add(instant);
        latest = Math.max(latest, instant);
      }
    }
    return [...instants]
      .sort((a, b) => a - b)
      .slice(0, limit)
      .map((instant) => new Date(instant));
  }

  /** The first fire strictly after `after` (null if the expression never fires again). */
  next(after: Date): Date | null {
    // Look a day ahead, then a year (sparse expressions), then give up at 30 years.
    for (const span of [DAY, 366 * DAY, 30 * 366 * DAY]) {
      const [first] = this.between(
        new Date(after.getTime() + 1),
        new Date(after.getTime() + span),
        1,
      );
      if (first) return first;
    }
    return null;
  }

  /** The last fire at or before `until` and not before `from` (null when there is none). */
  latest(from: Date, until: Date): Date | null {
    for (const span of [DAY, 366 * DAY]) {
      const start = Math.max(from.getTime(), until.getTime() - span);
      const fires = this.between(new Date(start), until);
      if (fires.length) return fires[fires.length - 1]!;
      if (start === from.getTime()) return null;
    }
    const fires = this.between(from, until);
    return fires.length ? fires[fires.length - 1]! : null;
  }
}

/** Missed fires are counted up to this many: bounds a tick's work after a long outage. */
export const MISSED_FIRES_CAP = 1_000;

export interface DueFire {
  /** The fire to run now: the latest at or before `now` (null: nothing is due). */
  fire: Date | null;
  /** Fires before it since `from` that will not run (downtime), up to {@link MISSED_FIRES_CAP}. */
  missedFires: number;
  /** The first fire after `now`, from which the next tick counts (null: never again). */
  next: Date | null;
}

/**
 * What a tick at `now` owes a schedule whose fires from `from` on are still pending: after
 * downtime only the latest fire runs, and the others are counted.
 */
export function dueFire(schedule: FireSchedule, from: Date, now: Date): DueFire {
  const next = schedule.next(now);
  if (from > now) return { fire: null, missedFires: 0, next };
  const fire = schedule.latest(from, now);
  if (!fire) return { fire: null, missedFires: 0, next };
  const missedFires =
    fire > from ? schedule.between(from, new Date(fire.getTime() - 1), MISSED_FIRES_CAP).length : 0;
  return { fire, missedFires, next };
}
