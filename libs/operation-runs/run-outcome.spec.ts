import { outcomeOf } from './run-outcome.js';

const failure = { code: 'x.failed', message: 'failed' };

describe('outcomeOf', () => {
  it.each([
    ['no failures', {}, [], undefined, 'succeeded'],
    ['no failures, nothing counted', {}, [], undefined, 'succeeded'],
    [
      'some items failed, some succeeded',
      { succeeded: 3, failed: 1 },
      [failure],
      undefined,
      'partially_succeeded',
    ],
    [
      'failures and nothing succeeded',
      { succeeded: 0, failed: 2 },
      [failure, failure],
      undefined,
      'failed',
    ],
    ['failures and no counters', {}, [failure], undefined, 'failed'],
    ['an explicit skip', { succeeded: 1 }, [], 'skipped', 'skipped'],
    ['an explicit cancel despite failures', {}, [failure], 'cancelled', 'cancelled'],
  ] as const)('%s', (_, summaryCounts, failures, explicit, expected) => {
    expect(outcomeOf({ summaryCounts, failures: [...failures] }, explicit)).toBe(expected);
  });
});
