import { Cron } from 'croner';
import fc from 'fast-check';
import { dueFire, FireSchedule, FireScheduleError } from './fire-times.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const iso = (dates: Date[]) => dates.map((date) => date.toISOString());

/** Local wall-clock time of an instant, as if it were UTC (an independent reading via Intl). */
const readers = new Map<string, Intl.DateTimeFormat>();
function wallOf(zone: string, instant: number): number {
  let reader = readers.get(zone);
  if (!reader) {
    reader = new Intl.DateTimeFormat('sv-SE', {
      timeZone: zone,
      dateStyle: 'short',
      timeStyle: 'medium',
    });
    readers.set(zone, reader);
  }
  const text = reader.format(instant);
  return Date.parse(`${text.replace(' ', 'T')}Z`);
}

/**
 * The SPEC's rules, walked minute by minute in real time: a matching local time fires at its
 * first occurrence; local times skipped by a gap fire at the same distance from the last local
 * time before the gap (shifted by the gap); each instant once.
 */
function oracle(cron: string, zone: string, from: number, until: number): string[] {
  const pattern = new Cron(cron, { mode: '5-part', utcOffset: 0, paused: true });
  const matches = (wall: number) => pattern.match(new Date(wall));
  const fires = new Set<number>();
  const seen = new Set<number>();
  // Start a day early so a repeated local time's first occurrence is known.
  let previousWall: number | null = null;
  for (let t = from - 26 * HOUR; t <= until; t += MINUTE) {
    const wall = wallOf(zone, t);
    if (previousWall !== null && wall - previousWall > MINUTE) {
      for (let skipped = previousWall + MINUTE; skipped < wall; skipped += MINUTE) {
        const shifted = t - MINUTE + (skipped - previousWall);
        if (matches(skipped) && shifted >= from && shifted <= until) fires.add(shifted);
      }
    }
    if (!seen.has(wall)) {
      seen.add(wall);
      if (matches(wall) && t >= from) fires.add(t);
    }
    previousWall = wall;
  }
  return [...fires].sort((a, b) => a - b).map((t) => new Date(t).toISOString());
}

describe('FireSchedule', () => {
  const daily = (zone: string, cron: string, from: string, until: string) =>
    iso(FireSchedule.parse(cron, zone).between(new Date(from), new Date(until)));

  it('fires 02:30 Berlin once a day across spring forward, at the shifted instant (03:30 CEST)', () => {
    expect(daily('Europe/Berlin', '30 2 * * *', '2026-03-28T00:00Z', '2026-03-31T00:00Z')).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
  });

  it('fires 02:30 Berlin once a day across fall back, at the first occurrence', () => {
    expect(daily('Europe/Berlin', '30 2 * * *', '2026-10-24T00:00Z', '2026-10-27T00:00Z')).toEqual([
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
  });

  it('fires New York once a day across both of its transitions', () => {
    expect(
      daily('America/New_York', '30 2 * * *', '2026-03-07T00:00Z', '2026-03-10T00:00Z'),
    ).toEqual(['2026-03-07T07:30:00.000Z', '2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z']);
    expect(
      daily('America/New_York', '30 1 * * *', '2026-10-31T00:00Z', '2026-11-03T00:00Z'),
    ).toEqual(['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
  });

  it('fires an hourly schedule once per instant through a gap and a repeated hour', () => {
    const spring = daily('Europe/Berlin', '0 * * * *', '2026-03-29T00:00Z', '2026-03-29T03:00Z');
    expect(spring).toEqual([
      '2026-03-29T00:00:00.000Z', // 01:00 CET
      '2026-03-29T01:00:00.000Z', // 02:00 (missing) shifted to 03:00 CEST, which is also 03:00
      '2026-03-29T02:00:00.000Z', // 04:00 CEST
      '2026-03-29T03:00:00.000Z',
    ]);
    const fall = daily('Europe/Berlin', '0 * * * *', '2026-10-25T00:00Z', '2026-10-25T03:00Z');
    // 02:00 CEST (00:00Z) fires; its repeat 02:00 CET (01:00Z) does not.
    expect(fall).toEqual([
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T02:00:00.000Z',
      '2026-10-25T03:00:00.000Z',
    ]);
  });

  it('refuses bad expressions and zones, naming the field', () => {
    const field = (cron: string, zone = 'UTC') => {
      try {
        FireSchedule.parse(cron, zone);
        return null;
      } catch (error) {
        return (error as FireScheduleError).field;
      }
    };
    expect(field('* * * * * *')).toBe('cron');
    expect(field('61 * * * *')).toBe('cron');
    expect(field('0 0 30 2 *')).toBe('cron');
    expect(field('not a cron')).toBe('cron');
    expect(field('0 * * * *', 'Europe/Nowhere')).toBe('timezone');
    expect(field('0 * * * *', '+01:00')).toBe('timezone');
    expect(field('0 * * * *', 'Europe/Berlin')).toBeNull();
  });

  it('counts the fires missed during downtime and runs only the latest', () => {
    const hourly = FireSchedule.parse('0 * * * *', 'UTC');
    expect(dueFire(hourly, new Date('2026-11-23T10:00Z'), new Date('2026-11-23T12:30Z'))).toEqual({
      fire: new Date('2026-11-23T12:00Z'),
      missedFires: 2,
      next: new Date('2026-11-23T13:00Z'),
    });
    expect(
      dueFire(hourly, new Date('2026-11-23T13:00Z'), new Date('2026-11-23T12:30Z')).fire,
    ).toBeNull();
  });
});

const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'America/Sao_Paulo',
  'Australia/Lord_Howe', // a 30-minute shift
  'Australia/Sydney',
  'Asia/Tehran',
  'Pacific/Chatham',
  'America/Santiago',
  'Africa/Casablanca',
  'Asia/Kolkata',
  'UTC',
];

const field = (max: number) =>
  fc.oneof(
    fc.integer({ min: 0, max }).map(String),
    fc.constant('*'),
    fc.integer({ min: 2, max: Math.min(max, 30) }).map((step) => `*/${step}`),
    fc
      .uniqueArray(fc.integer({ min: 0, max }), { minLength: 2, maxLength: 3 })
      .map((values) => values.sort((a, b) => a - b).join(',')),
  );

const cronArb = fc
  .tuple(field(59), field(23), fc.constantFrom('*', '*', '1', '15'), fc.constantFrom('*', '1-5'))
  .map(([minute, hour, dom, dow]) => `${minute} ${hour} ${dom} * ${dow}`);

/** Two days around a random instant of 2024–2027 (transitions included often enough by luck). */
const windowArb = fc.integer({ min: 0, max: 4 * 365 * 24 }).map((hours) => {
  const from = Date.UTC(2024, 0, 1) + hours * HOUR;
  return [from, from + 2 * 24 * HOUR] as const;
});

/** Windows that straddle a DST transition of some zone, so the property sees them every run. */
const transitionArb = fc
  .constantFrom(
    '2026-03-29T01:00Z',
    '2026-10-25T01:00Z',
    '2026-03-08T07:00Z',
    '2026-11-01T06:00Z',
    '2026-04-04T15:00Z',
    '2026-10-03T16:00Z',
    '2026-04-05T02:00Z',
    '2026-09-05T14:00Z',
  )
  .chain((at) =>
    fc.integer({ min: -30, max: 6 }).map((hours) => {
      const from = Date.parse(at) + hours * HOUR;
      return [from, from + 36 * HOUR] as const;
    }),
  );

describe('FireSchedule, property: the SPEC rules for any zone and expression', () => {
  it('fires exactly the instants the minute-by-minute walk finds, each once', () => {
    fc.assert(
      fc.property(
        cronArb,
        fc.constantFrom(...ZONES),
        fc.oneof(windowArb, transitionArb),
        (cron, zone, [from, until]) => {
          const fires = iso(
            FireSchedule.parse(cron, zone).between(new Date(from), new Date(until)),
          );
          expect(new Set(fires).size).toBe(fires.length);
          expect(fires).toEqual(oracle(cron, zone, from, until));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('fires a daily expression exactly once on every local day, and next() walks the same fires', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 0, max: 23 }),
        fc.constantFrom(...ZONES),
        fc.oneof(windowArb, transitionArb),
        (minute, hour, zone, [from]) => {
          const schedule = FireSchedule.parse(`${minute} ${hour} * * *`, zone);
          const days = new Set<string>();
          let at = new Date(from);
          for (let i = 0; i < 10; i++) {
            const next = schedule.next(at)!;
            expect(next.getTime()).toBeGreaterThan(at.getTime());
            // Never two within one local day, never a local day without one.
            const day = new Date(wallOf(zone, next.getTime())).toISOString().slice(0, 10);
            expect(days.has(day)).toBe(false);
            if (days.size) {
              const previous = [...days].at(-1)!;
              expect(Date.parse(day) - Date.parse(previous)).toBe(24 * HOUR);
            }
            days.add(day);
            at = next;
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
