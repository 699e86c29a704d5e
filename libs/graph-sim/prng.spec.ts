import fc from 'fast-check';
import { Prng } from './prng.js';

describe('Prng', () => {
  it('gives the same sequence for the same seed, and another for another seed', () => {
    const draw = (seed: string) => {
      const prng = new Prng(seed);
      return Array.from({ length: 20 }, () => prng.next());
    };
    expect(draw('tenant-a')).toEqual(draw('tenant-a'));
    expect(draw('tenant-a')).not.toEqual(draw('tenant-b'));
  });

  it('stays in range and makes GUID-shaped ids', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.integer({ min: -50, max: 50 }),
        fc.nat(100),
        (seed, min, span) => {
          const prng = new Prng(seed);
          const value = prng.integer(min, min + span);
          const unit = prng.next();
          return (
            value >= min &&
            value <= min + span &&
            unit >= 0 &&
            unit < 1 &&
            /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(
              prng.uuid(),
            )
          );
        },
      ),
    );
  });
});
