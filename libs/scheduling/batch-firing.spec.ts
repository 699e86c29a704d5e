import type { Logger } from '@nestjs/common';
import type { TransactionRunner, Tx } from '#libs/common/db';
import type { StartedRun } from '#libs/operation-runs';
import { BatchFiring, FIRE_BATCH, type DueTiming, type OwedFire } from './batch-firing.js';

interface Entry extends DueTiming {
  id: string;
  paused?: boolean;
}

const HOURLY = { cron: '0 * * * *', timezone: 'UTC' };
const NOW = new Date('2026-11-23T12:30Z');

/** A family's source over an in-memory table, recording what the firing asked of it. */
function world(batches: Entry[][]) {
  const calls: string[] = [];
  const advanced: { id: string; nextFireAt: string | null }[] = [];
  const fired: { id: string; fire: string; missedFires: number }[] = [];
  const errors: { fields: unknown; message: string }[] = [];
  const tx = {} as Tx;
  const transactions = {
    run: async <T>(work: (tx: Tx) => Promise<T>) => {
      calls.push('begin');
      const result = await work(tx);
      calls.push('commit');
      return result;
    },
  } as unknown as TransactionRunner;
  const logger = {
    error: (fields: unknown, message: string) => errors.push({ fields, message }),
    debug: () => undefined,
  } as unknown as Logger;
  const firing = new BatchFiring<Entry>(transactions, {
    logger,
    messages: { fired: 'Fired', unparsable: 'Does not parse' },
    describe: (entry) => ({ entryId: entry.id }),
    claimDue: async (now, limit, claimTx) => {
      expect(now).toBe(NOW);
      expect(claimTx).toBe(tx);
      expect(limit).toBe(FIRE_BATCH);
      calls.push('claim');
      return batches.shift() ?? [];
    },
    advance: async (next, advanceTx) => {
      expect(advanceTx).toBe(tx);
      calls.push('advance');
      advanced.push(
        ...next.map(({ entry, nextFireAt }) => ({
          id: entry.id,
          nextFireAt: nextFireAt?.toISOString() ?? null,
        })),
      );
    },
    firesNow: (entry) => !entry.paused,
    start: async (fires: OwedFire<Entry>[]) => {
      calls.push('start');
      fired.push(
        ...fires.map(({ entry, fire, missedFires }) => ({
          id: entry.id,
          fire: fire.toISOString(),
          missedFires,
        })),
      );
      return fires.map(({ entry }) => ({ run: { id: entry.id }, deduplicated: false }) as never);
    },
  });
  return { firing, calls, advanced, fired, errors };
}

const entry = (id: string, fields: Partial<Entry> = {}): Entry => ({
  id,
  ...HOURLY,
  nextFireAt: new Date('2026-11-23T10:00Z'),
  tenantLive: true,
  ...fields,
});

describe('BatchFiring', () => {
  it('starts the latest owed fire, counts the missed ones, then moves the entry past now', async () => {
    const w = world([[entry('a')]]);
    const started: StartedRun[] = await w.firing.fireDue(NOW);
    expect(started).toHaveLength(1);
    expect(w.fired).toEqual([{ id: 'a', fire: '2026-11-23T12:00:00.000Z', missedFires: 2 }]);
    expect(w.advanced).toEqual([{ id: 'a', nextFireAt: '2026-11-23T13:00:00.000Z' }]);
    // The runs are started before the entries move on, inside the batch's transaction.
    expect(w.calls).toEqual(['begin', 'claim', 'start', 'advance', 'commit']);
  });

  it('stops the entries of deleted tenants and those whose timing no longer parses, not the batch', async () => {
    const w = world([
      [
        entry('gone', { tenantLive: false, cron: 'not a cron' }),
        entry('broken', { cron: 'not a cron' }),
        entry('fine'),
      ],
    ]);
    await w.firing.fireDue(NOW);
    expect(w.fired.map((f) => f.id)).toEqual(['fine']);
    expect(w.advanced).toEqual([
      { id: 'gone', nextFireAt: null },
      { id: 'broken', nextFireAt: null },
      { id: 'fine', nextFireAt: '2026-11-23T13:00:00.000Z' },
    ]);
    // A deleted tenant's timing is not even read.
    expect(w.errors).toEqual([
      { fields: expect.objectContaining({ entryId: 'broken' }), message: 'Does not parse' },
    ]);
  });

  it('lets a fire the source holds back pass, and starts nothing when nothing fires', async () => {
    const w = world([
      [
        entry('paused', { paused: true }),
        entry('later', { nextFireAt: new Date('2026-11-23T13:00Z') }),
      ],
    ]);
    expect(await w.firing.fireDue(NOW)).toEqual([]);
    expect(w.calls).toEqual(['begin', 'claim', 'advance', 'commit']);
    expect(w.advanced).toEqual([
      { id: 'paused', nextFireAt: '2026-11-23T13:00:00.000Z' },
      { id: 'later', nextFireAt: '2026-11-23T13:00:00.000Z' },
    ]);
  });

  it('claims batch after batch while a batch comes back full', async () => {
    const full = Array.from({ length: FIRE_BATCH }, (_, i) => entry(`a${i}`));
    const w = world([full, [entry('b')]]);
    expect(await w.firing.fireDue(NOW)).toHaveLength(FIRE_BATCH + 1);
    expect(w.calls.filter((call) => call === 'begin')).toHaveLength(2);
  });

  it('parses each timing once and logs timing that does not parse with the fields given', () => {
    const w = world([]);
    const schedule = w.firing.scheduleOf(HOURLY, () => ({ tenantId: 't' }));
    expect(w.firing.scheduleOf({ ...HOURLY }, () => ({ tenantId: 't' }))).toBe(schedule);
    expect(
      w.firing.scheduleOf({ cron: '0 * * * *', timezone: 'Nowhere/Else' }, () => ({
        tenantId: 't',
      })),
    ).toBeNull();
    expect(w.errors).toEqual([
      { fields: expect.objectContaining({ tenantId: 't' }), message: 'Does not parse' },
    ]);
  });
});
