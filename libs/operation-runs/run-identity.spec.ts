import fc from 'fast-check';
import { runIdentity, type IdentitySubject } from './run-identity.js';
import type { Json } from './run-types.js';

const subject = (inputs: Json, over: Partial<IdentitySubject> = {}): IdentitySubject => ({
  type: 'inventory_sync',
  workspaceId: 'w1',
  tenantId: 't1',
  inputs,
  ...over,
});

/** Rebuilds an object with its keys in another order, at every depth. */
function shuffleKeys(value: Json, seed: number): Json {
  if (Array.isArray(value)) return value.map((item) => shuffleKeys(item, seed));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const rotated = entries.map((_, i) => entries[(i + seed) % entries.length]!);
  return Object.fromEntries(rotated.map(([key, item]) => [key, shuffleKeys(item, seed + 1)]));
}

describe('runIdentity', () => {
  it('does not depend on the order of keys, at any depth', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(10), (inputs, seed) => {
        const json = inputs as Json;
        expect(runIdentity('active', subject(shuffleKeys(json, seed))).hash).toBe(
          runIdentity('active', subject(json)).hash,
        );
      }),
    );
  });

  it('differs when the type, workspace, tenant or inputs differ', () => {
    const base = runIdentity('active', subject({ policyTypes: ['a', 'b'] })).hash;
    for (const other of [
      subject({ policyTypes: ['a', 'b'] }, { type: 'policy_sync' }),
      subject({ policyTypes: ['a', 'b'] }, { workspaceId: 'w2' }),
      subject({ policyTypes: ['a', 'b'] }, { tenantId: null }),
      subject({ policyTypes: ['b', 'a'] }),
    ]) {
      expect(runIdentity('active', other).hash).not.toBe(base);
    }
  });

  it('is new for every per-request start without a key, and unique-forever with one, per caller', () => {
    const a = runIdentity('per_request', subject({}));
    const b = runIdentity('per_request', subject({}));
    expect(a.hash).not.toBe(b.hash);
    expect(a.unique).toBe(false);

    const keyed = (callerId: string) =>
      runIdentity('per_request', subject({}), { idempotencyKey: 'k', callerId });
    expect(keyed('u1')).toEqual(keyed('u1'));
    expect(keyed('u1').unique).toBe(true);
    expect(keyed('u1').hash).not.toBe(keyed('u2').hash);
  });

  it('marks strict identities unique forever and active ones not', () => {
    expect(runIdentity('strict', subject({})).unique).toBe(true);
    expect(runIdentity('active', subject({})).unique).toBe(false);
  });
});
