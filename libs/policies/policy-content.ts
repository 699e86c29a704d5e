import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';

/**
 * Properties that change without the policy changing: Graph-assigned ids, timestamps, version
 * counters and OData bookkeeping. They are left out of what is compared and hashed.
 */
const NOISE = new Set([
  'id',
  'version',
  'createdDateTime',
  'lastModifiedDateTime',
  '@odata.context',
  '@odata.etag',
  '@odata.id',
  '@odata.editLink',
]);

export type NormalizedValue =
  string | number | boolean | null | NormalizedValue[] | { [key: string]: NormalizedValue };

/** Canonical JSON: object keys sorted, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  return stringify(value) ?? 'null';
}

/**
 * The content of a policy as compared and hashed: noise removed at every depth and every array
 * sorted (Graph returns assignments and settings in no guaranteed order).
 */
export function normalizeContent(value: unknown): NormalizedValue {
  if (Array.isArray(value)) {
    return value
      .map(normalizeContent)
      .map((item) => [canonicalJson(item), item] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, item]) => item);
  }
  if (value !== null && typeof value === 'object') {
    const result: Record<string, NormalizedValue> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (NOISE.has(key) || inner === undefined) continue;
      result[key] = normalizeContent(inner);
    }
    return result;
  }
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') {
    return value;
  }
  return null;
}

/** SHA-256 (hex) of the normalised content: equal for policies that differ only by noise. */
export function contentHash(value: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(normalizeContent(value)))
    .digest('hex');
}
