import type { SnapshotEntry } from '../inventory/index.js';
import { compareSnapshots } from './drift-comparison.js';

const entry = (graphId: string, contentHash: string, policyType = 'device_configuration') =>
  ({ policyType, graphId, displayName: graphId, contentHash, content: {} }) as SnapshotEntry;

describe('compareSnapshots', () => {
  it('finds added, removed and modified policies, and nothing for unchanged ones', () => {
    const { differences, compared } = compareSnapshots(
      [entry('same', 'h1'), entry('edited', 'h2'), entry('deleted', 'h3')],
      [entry('same', 'h1'), entry('edited', 'h2b'), entry('new', 'h4')],
      new Set(['device_configuration']),
    );
    expect(compared).toBe(4);
    expect(differences.map((d) => [d.change, (d.current ?? d.baseline)!.graphId])).toEqual([
      ['modified', 'edited'],
      ['added', 'new'],
      ['removed', 'deleted'],
    ]);
  });

  it('compares only the policy types both syncs covered', () => {
    const { differences } = compareSnapshots(
      [entry('a', 'h1', 'settings_catalog')],
      [entry('b', 'h2', 'compliance_policy')],
      new Set(['device_configuration']),
    );
    expect(differences).toEqual([]);
  });
});
