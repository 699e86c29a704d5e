const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/**
 * A Graph URL's path as a bounded label: the version and the resource path with every id segment
 * (a segment holding a GUID, or digits only) replaced by `{id}`, e.g.
 * `beta/deviceManagement/configurationPolicies/{id}/settings`. Query strings are dropped.
 */
export function graphResourceLabel(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return 'invalid';
  }
  return path
    .split('/')
    .filter(Boolean)
    .map((segment) => (GUID.test(segment) || /^\d+$/.test(segment) ? '{id}' : segment))
    .join('/');
}
