import { TenantBackoff } from './tenant-backoff.js';

describe('TenantBackoff', () => {
  let now = 0;
  const backoff = () => new TenantBackoff(() => now);
  beforeEach(() => (now = 5000));

  it('holds only the tenant Graph throttled, for the time asked', () => {
    const b = backoff();
    expect(b.remaining('a')).toBe(0);
    b.hold('a', 1500);
    expect(b.remaining('a')).toBe(1500);
    expect(b.remaining('b')).toBe(0);
    now += 1000;
    expect(b.remaining('a')).toBe(500);
    now += 500;
    expect(b.remaining('a')).toBe(0);
  });

  it('keeps the later of two holds', () => {
    const b = backoff();
    b.hold('a', 2000);
    b.hold('a', 500);
    expect(b.remaining('a')).toBe(2000);
    now += 100;
    b.hold('a', 3000);
    expect(b.remaining('a')).toBe(3000);
  });
});
