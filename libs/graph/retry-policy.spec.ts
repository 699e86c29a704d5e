import fc from 'fast-check';
import { backoffMs, isRetryableStatus, retryAfterMs } from './retry-policy.js';

describe('retryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads integer and fractional seconds', () => {
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('1.5', now)).toBe(1500);
    expect(retryAfterMs(' 0.25 ', now)).toBe(250);
    expect(retryAfterMs('0', now)).toBe(0);
  });

  it('reads an HTTP date as the time left until it, never negative', () => {
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:07 GMT', now)).toBe(7000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
  });

  it('ignores an absent or unreadable header', () => {
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs('', now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs('-1', now)).toBeUndefined();
  });
});

describe('backoffMs', () => {
  it('stays within [0, base·2^(attempt−1)] and the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.double({ min: 0, max: 0.9999, noNaN: true }),
        (attempt, base, r) => {
          const delay = backoffMs(attempt, base, () => r, 60_000);
          return delay >= 0 && delay <= Math.min(60_000, base * 2 ** (attempt - 1));
        },
      ),
    );
  });

  it('grows exponentially with the attempt', () => {
    const top = () => 0.9999;
    expect(backoffMs(1, 100, top)).toBe(99);
    expect(backoffMs(3, 100, top)).toBe(399);
  });
});

describe('isRetryableStatus', () => {
  it('retries throttling and busy answers, and a create only when Graph surely did not act', () => {
    for (const status of [429, 503, 504]) expect(isRetryableStatus(status, true)).toBe(true);
    expect(isRetryableStatus(429, false)).toBe(true);
    // A 503 may answer a create that was applied: sent again, it could make the object twice.
    expect(isRetryableStatus(503, false)).toBe(false);
    expect(isRetryableStatus(504, false)).toBe(false);
    for (const status of [400, 401, 403, 404, 409, 500]) {
      expect(isRetryableStatus(status, true)).toBe(false);
    }
  });
});
