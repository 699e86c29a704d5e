import { StatementBatcher } from './statement-batcher.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('StatementBatcher', () => {
  it('writes the items asked for in one turn with one call, answering each in order', async () => {
    const calls: number[][] = [];
    const batcher = new StatementBatcher<number, number>(
      async (items) => {
        calls.push(items);
        return items.map((item) => item * 10);
      },
      { maxBatch: 100, maxInFlight: 1 },
    );
    const answers = await Promise.all([1, 2, 3].map((item) => batcher.run(item)));
    expect(answers).toEqual([10, 20, 30]);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('gathers what is asked while a statement is in flight into the next one, within maxBatch', async () => {
    const calls: number[][] = [];
    let release: () => void = () => undefined;
    const batcher = new StatementBatcher<number, number>(
      async (items) => {
        calls.push(items);
        if (calls.length === 1) await new Promise<void>((resolve) => (release = resolve));
        return items;
      },
      { maxBatch: 2, maxInFlight: 1 },
    );
    const first = batcher.run(1);
    await tick();
    const rest = [2, 3, 4].map((item) => batcher.run(item));
    await tick();
    expect(calls).toEqual([[1]]);
    release();
    expect(await Promise.all([first, ...rest])).toEqual([1, 2, 3, 4]);
    expect(calls).toEqual([[1], [2, 3], [4]]);
  });

  it('writes each item of a failed batch on its own, so only the bad one fails', async () => {
    const batcher = new StatementBatcher<number, number>(
      async (items) => {
        if (items.includes(2)) throw new Error(`refused ${items.join(',')}`);
        return items;
      },
      { maxBatch: 10, maxInFlight: 1 },
    );
    const answers = await Promise.allSettled([1, 2, 3].map((item) => batcher.run(item)));
    expect(answers).toEqual([
      { status: 'fulfilled', value: 1 },
      { status: 'rejected', reason: new Error('refused 2') },
      { status: 'fulfilled', value: 3 },
    ]);
  });
});
