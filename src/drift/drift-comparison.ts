import type { SnapshotEntry } from '../inventory/index.js';
import type { DriftChange } from './drift-finding.repository.js';

export interface Difference {
  change: DriftChange;
  baseline: SnapshotEntry | undefined;
  current: SnapshotEntry | undefined;
}

/**
 * What changed between two snapshots of the same policy types: present only in the current one
 * (added), only in the baseline (removed), or in both with different normalised content
 * (modified). Content is compared by hash, so ids, timestamps and version noise never count.
 */
export function compareSnapshots(
  baseline: readonly SnapshotEntry[],
  current: readonly SnapshotEntry[],
  types: ReadonlySet<string>,
): { differences: Difference[]; compared: number } {
  const key = (entry: SnapshotEntry) => `${entry.policyType}/${entry.graphId}`;
  const before = new Map(baseline.filter((e) => types.has(e.policyType)).map((e) => [key(e), e]));
  const after = new Map(current.filter((e) => types.has(e.policyType)).map((e) => [key(e), e]));
  const differences: Difference[] = [];
  for (const [id, entry] of after) {
    const old = before.get(id);
    if (!old) differences.push({ change: 'added', baseline: undefined, current: entry });
    else if (old.contentHash !== entry.contentHash)
      differences.push({ change: 'modified', baseline: old, current: entry });
  }
  for (const [id, entry] of before) {
    if (!after.has(id))
      differences.push({ change: 'removed', baseline: entry, current: undefined });
  }
  const compared = new Set([...before.keys(), ...after.keys()]).size;
  return { differences, compared };
}
