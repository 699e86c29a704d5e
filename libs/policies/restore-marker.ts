/**
 * The mark a restore leaves in the `description` of each policy it creates:
 * `\n[TenantOps restore <restoreRunId> item <n>]` after the description (or alone when there was
 * none). Graph answers a create with the new policy's id; when that answer is lost (a 503 after
 * the write, a worker killed between the POST and the write of its result), the mark is how a
 * resumed restore finds the policy again instead of creating it twice.
 *
 * Content normalisation strips it (see `normalizeContent`), so a restored policy hashes as its
 * backup did.
 */
const MARKER = /(?:^|\n)\[TenantOps restore ([0-9a-f-]{36}) item (\d+)\]$/;

export function restoreMarker(restoreRunId: string, item: number): string {
  return `[TenantOps restore ${restoreRunId} item ${item}]`;
}

/** The description written on create: the captured one with the marker on a line of its own. */
export function describeWithMarker(
  description: unknown,
  restoreRunId: string,
  item: number,
): string {
  const marker = restoreMarker(restoreRunId, item);
  return typeof description === 'string' ? `${description}\n${marker}` : marker;
}

/** The restore run and item a description was marked by, or null. */
export function parseRestoreMarker(
  description: unknown,
): { restoreRunId: string; item: number } | null {
  if (typeof description !== 'string') return null;
  const match = MARKER.exec(description);
  return match ? { restoreRunId: match[1]!, item: Number(match[2]) } : null;
}

/**
 * The description without a restore's marker: the captured one again (null when the marker was
 * all there was, as it was written for a policy without a description).
 */
export function withoutRestoreMarker(description: string): string | null {
  const match = MARKER.exec(description);
  if (!match) return description;
  return match.index === 0 && !description.startsWith('\n')
    ? null
    : description.slice(0, match.index);
}
