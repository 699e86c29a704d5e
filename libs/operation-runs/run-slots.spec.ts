import { RunSlots } from './run-slots.js';

describe('RunSlots', () => {
  it('runs at most its size at once, the waiting ones first come first served', async () => {
    const slots = new RunSlots(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const releases: (() => void)[] = [];
    const work = (n: number) =>
      slots.run(async () => {
        running++;
        most = Math.max(most, running);
        order.push(n);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
      });
    const all = [1, 2, 3, 4].map(work);
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([1, 2]);
    expect(slots.inUse).toBe(2);
    while (releases.length) {
      releases.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(all);
    expect(order).toEqual([1, 2, 3, 4]);
    expect(most).toBe(2);
    expect(slots.inUse).toBe(0);
  });

  it('frees the slot when the work throws', async () => {
    const slots = new RunSlots(1);
    await expect(slots.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(slots.inUse).toBe(0);
    await expect(slots.run(async () => 'next')).resolves.toBe('next');
  });
});
