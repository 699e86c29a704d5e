import { isUuid, pooledRandomBytes, uuidv7 } from './index.js';

describe('uuidv7', () => {
  it('makes distinct version-7 UUIDs whose first 48 bits are the time in milliseconds', () => {
    const before = Date.now();
    // More than one pool of random bytes, so a refill is crossed.
    const ids = Array.from({ length: 1000 }, () => uuidv7());
    const after = Date.now();
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(isUuid(id)).toBe(true);
      expect(id[14]).toBe('7');
      expect('89ab').toContain(id[19]);
      const millis = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
      expect(millis).toBeGreaterThanOrEqual(before);
      expect(millis).toBeLessThanOrEqual(after);
    }
  });

  it('orders ids of later milliseconds after earlier ones', async () => {
    const first = uuidv7();
    await new Promise((resolve) => setTimeout(resolve, 2));
    expect(uuidv7() > first).toBe(true);
  });
});

describe('pooledRandomBytes', () => {
  it('hands out distinct bytes of the size asked, across refills of the pool', () => {
    // Sizes that do not divide the pool, so a refill happens with bytes left over.
    const draws = Array.from({ length: 500 }, (_, i) =>
      pooledRandomBytes(i % 2 ? 32 : 24).toString('hex'),
    );
    draws.forEach((hex, i) => expect(hex).toHaveLength(i % 2 ? 64 : 48));
    expect(new Set(draws).size).toBe(draws.length);
  });
});
