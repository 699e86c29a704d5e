import type { Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { TransactionRunner, Tx } from '#libs/common/db';
import type { StartedRun } from '#libs/operation-runs';
import { dueFire, FireSchedule } from './fire-times.js';

/** Entries claimed and fired per transaction. */
export const FIRE_BATCH = 500;

/** A stored timing: a cron expression read in an IANA time zone. */
export interface StoredTiming {
  cron: string;
  timezone: string;
}

/** An entry a tick found due, locked for this tick until its transaction ends. */
export interface DueTiming extends StoredTiming {
  /** Fires at or after this instant are still owed. */
  nextFireAt: Date;
  /** False once its tenant is deleted: the entry then stops. */
  tenantLive: boolean;
}

/** The fire a tick owes an entry: the latest due, and how many before it were missed. */
export interface OwedFire<E> {
  entry: E;
  fire: Date;
  missedFires: number;
}

/** What one family's schedules bring to the shared firing: its table, its runs, its words. */
export interface FiringSource<E extends DueTiming> {
  /** The family's logger: its fired batches and unparsable timings are logged under its name. */
  logger: Logger;
  messages: {
    /** Debug line of a batch that started runs. */
    fired: string;
    /** Error line of an entry whose stored timing no longer parses (it stops). */
    unparsable: string;
  };
  /** The log fields that name an entry (in the unparsable line). */
  describe(entry: E): Record<string, unknown>;
  /**
   * Up to `limit` entries with a fire owed at `now`, oldest owed first, locked for `tx`
   * (`FOR NO KEY UPDATE SKIP LOCKED`: rows another scheduler holds are its to fire). Not
   * `FOR UPDATE`: that lock also conflicts with the key-share lock a foreign key takes while a
   * row that references the entry is written (a backup set of the schedule), and the entry would
   * be skipped, its fire late, whenever a tick met such a write.
   */
  claimDue(now: Date, limit: number, tx: Tx): Promise<E[]>;
  /** Moves each entry's owed fires on (null: it will not fire again), in `tx`. */
  advance(next: { entry: E; nextFireAt: Date | null }[], tx: Tx): Promise<void>;
  /** Whether an owed fire starts a run now; one that does not passes, and the entry moves on. */
  firesNow?(entry: E): boolean;
  /**
   * Starts the runs of these fires (never none), each with a strict identity of its entry and
   * fire time, so that any number of schedulers meeting the same fire start it once.
   */
  start(fires: OwedFire<E>[]): Promise<StartedRun[]>;
}

/**
 * The scheduler's one way of firing stored schedules, whatever family they belong to. Each batch,
 * in one transaction: claim up to {@link FIRE_BATCH} due entries (`FOR NO KEY UPDATE SKIP LOCKED`),
 * start the latest owed fire of each ({@link dueFire}: after downtime only the latest runs, the
 * others are counted), and move `next_fire_at` past `now`. Exactly once comes from the runs'
 * strict identities; the row locks only keep several schedulers from doing the same work twice.
 * The runs are committed before the entries move on, so a scheduler that dies in between leaves
 * fires that the next tick finds already started, never fires that are lost. An entry of a
 * deleted tenant, or whose timing no longer parses, stops (`next_fire_at` null), not the tick.
 */
export class BatchFiring<E extends DueTiming> {
  private readonly parsed = new LRUCache<string, FireSchedule>({ max: 5000 });

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly source: FiringSource<E>,
  ) {}

  /** Fires every entry due at `now`, batch after batch, and returns the runs started. */
  async fireDue(now: Date): Promise<StartedRun[]> {
    const started: StartedRun[] = [];
    for (;;) {
      const batch = await this.fireBatch(now);
      started.push(...batch.started);
      if (batch.claimed < FIRE_BATCH) return started;
    }
  }

  /**
   * The parsed schedule of a stored timing (cached), or null for timing that no longer parses,
   * logged with the fields that `describe` gives.
   */
  scheduleOf(timing: StoredTiming, describe: () => Record<string, unknown>): FireSchedule | null {
    const key = `${timing.timezone} ${timing.cron}`;
    let parsed = this.parsed.get(key);
    if (!parsed) {
      try {
        parsed = FireSchedule.parse(timing.cron, timing.timezone);
      } catch (error) {
        this.source.logger.error({ ...describe(), err: error }, this.source.messages.unparsable);
        return null;
      }
      this.parsed.set(key, parsed);
    }
    return parsed;
  }

  private fireBatch(now: Date): Promise<{ claimed: number; started: StartedRun[] }> {
    return this.transactions.run(async (tx) => {
      const due = await this.source.claimDue(now, FIRE_BATCH, tx);
      const next: { entry: E; nextFireAt: Date | null }[] = [];
      const fires: OwedFire<E>[] = [];
      for (const entry of due) {
        const schedule = entry.tenantLive
          ? this.scheduleOf(entry, () => this.source.describe(entry))
          : null;
        if (!schedule) {
          next.push({ entry, nextFireAt: null });
          continue;
        }
        const owed = dueFire(schedule, entry.nextFireAt, now);
        next.push({ entry, nextFireAt: owed.next });
        if (owed.fire && (this.source.firesNow?.(entry) ?? true)) {
          fires.push({ entry, fire: owed.fire, missedFires: owed.missedFires });
        }
      }
      const started = fires.length ? await this.source.start(fires) : [];
      await this.source.advance(next, tx);
      if (started.length)
        this.source.logger.debug(
          { claimed: due.length, started: started.length },
          this.source.messages.fired,
        );
      return { claimed: due.length, started };
    });
  }
}
