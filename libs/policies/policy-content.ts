import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import { ODATA_TYPES, shapeOf, type GraphItem } from '#libs/graph';
import { isCapturedSecret, SECRET_MARK } from './policy-secrets.js';
import { withoutRestoreMarker } from './restore-marker.js';

/**
 * The properties Microsoft's definitions mark read-only (or Intune sets) wherever they appear:
 * what a write cannot carry, so what the same policy written again may not keep.
 */
function readOnlyEverywhere(): Set<string> {
  const readOnly = new Set<string>();
  const writable = new Set<string>();
  for (const type of ODATA_TYPES) {
    for (const [name, property] of Object.entries(shapeOf(type)!.properties)) {
      (property.readOnly ? readOnly : writable).add(name);
    }
  }
  return new Set([...readOnly].filter((name) => !writable.has(name)));
}

/**
 * Properties that change without the policy changing: Graph-assigned ids, timestamps, version
 * counters, everything read-only, and OData bookkeeping. They are left out of what is compared
 * and hashed, so a policy restored from its capture hashes as the capture did.
 */
const NOISE = new Set([
  ...readOnlyEverywhere(),
  'id',
  'version',
  'createdDateTime',
  'lastModifiedDateTime',
  '@odata.context',
  '@odata.etag',
  '@odata.id',
  '@odata.editLink',
]);

/**
 * A policy's full content as Graph has it: the item (with its `$expand`ed scheduled actions for
 * compliance policies), plus the settings of a settings-catalog policy or the definition values
 * of an administrative template. Kept as Graph sent it (restore needs it so), minus OData
 * bookkeeping; the hash is over the normalised form.
 */
export interface PolicyContent {
  properties: Record<string, unknown>;
  settings?: GraphItem[];
  definitionValues?: GraphItem[];
}

export type NormalizedValue =
  string | number | boolean | null | NormalizedValue[] | { [key: string]: NormalizedValue };

/** Canonical JSON: object keys sorted, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  return stringify(value) ?? 'null';
}

/**
 * The content of a policy as compared and hashed: noise removed at every depth, every array
 * sorted (Graph returns assignments and settings in no guaranteed order), a captured secret
 * reduced to its keyed digest (its ciphertext differs at every capture), and the marker a restore
 * appends to the `description` of a policy it creates removed (`restore-marker.ts`): a restored
 * policy hashes as its backup did.
 */
export function normalizeContent(value: unknown): NormalizedValue {
  if (isCapturedSecret(value)) return { [SECRET_MARK]: value[SECRET_MARK]?.digest ?? null };
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
      result[key] = normalizeContent(
        key === 'description' && typeof inner === 'string' ? withoutRestoreMarker(inner) : inner,
      );
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
