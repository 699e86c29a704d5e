import { ConcurrencyLimiter } from './concurrency-limiter.js';

describe('ConcurrencyLimiter', () => {
  it('runs at most `limit` pieces of work per key at once, and every piece eventually', async () => {
    const limiter = new ConcurrencyLimiter(2);
    const active = new Map<string, number>();
    const peak = new Map<string, number>();
    const work = (key: string) =>
      limiter.run(key, async () => {
        active.set(key, (active.get(key) ?? 0) + 1);
        peak.set(key, Math.max(peak.get(key) ?? 0, active.get(key)!));
        await new Promise((resolve) => setTimeout(resolve, 5));
        active.set(key, active.get(key)! - 1);
        return key;
      });
    const all = Promise.all([...'aaaaabbb'].map(work));
    expect(await all).toEqual([...'aaaaabbb']);
    expect(peak.get('a')).toBe(2);
    expect(peak.get('b')).toBe(2);
  });

  it('frees the slot when the work throws', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await expect(limiter.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run('a', async () => 'next')).resolves.toBe('next');
  });
});
