import {
  GRAPH_RESOURCES,
  GraphUnauthorizedError,
  missingPermissions,
  permissionsFor,
  blockingPermissions,
} from '#libs/graph';
import { permissionChecks, resourceFamilies, tokenRefusedCheck } from './connection-checks.js';

/** Every permission the contract registry names. */
const ALL_PERMISSIONS = [
  ...new Set(
    GRAPH_RESOURCES.flatMap((r) => [...permissionsFor(r, 'read'), ...permissionsFor(r, 'write')]),
  ),
];
const all = new Set(ALL_PERMISSIONS);
const without = (...names: string[]) => new Set(ALL_PERMISSIONS.filter((p) => !names.includes(p)));

describe('the permissions each contract entry needs', () => {
  it('are all granted by every permission the registry names', () => {
    expect(missingPermissions(all, 'read')).toEqual([]);
    expect(missingPermissions(all, 'write')).toEqual([]);
    expect(permissionChecks(all).every((check) => check.status === 'passed')).toBe(true);
  });

  it('name the least privileged permission missing, and a more privileged one covers it', () => {
    const granted = without('DeviceManagementConfiguration.Read.All');
    // ReadWrite reads too.
    expect(missingPermissions(granted, 'read')).toEqual([]);
    const neither = without(
      'DeviceManagementConfiguration.Read.All',
      'DeviceManagementConfiguration.ReadWrite.All',
    );
    expect(missingPermissions(neither, 'read')).toEqual(['DeviceManagementConfiguration.Read.All']);
    expect(missingPermissions(neither, 'write')).toEqual([
      'DeviceManagementConfiguration.ReadWrite.All',
    ]);
    expect(missingPermissions(new Set(), 'read')).toContain('Group.Read.All');
  });

  it('block only the starts that read a resource needing a missing one', () => {
    const missing = ['DeviceManagementConfiguration.Read.All'];
    expect(blockingPermissions(['deviceConfigurations', 'groups'], 'read', missing)).toEqual(
      missing,
    );
    expect(blockingPermissions(['deviceEnrollmentConfigurations'], 'read', missing)).toEqual([]);
  });

  it('group every resource into one read check per family', () => {
    const families = resourceFamilies();
    expect(families.flatMap((family) => family.resources).sort()).toEqual(
      [...GRAPH_RESOURCES].sort(),
    );
    expect(families).toHaveLength(6);
  });

  it('report a missing write permission as skipped, never as a failure', () => {
    const checks = permissionChecks(without('DeviceManagementApps.ReadWrite.All'));
    expect(checks.filter((check) => check.status !== 'passed')).toEqual([
      expect.objectContaining({
        name: 'permission:DeviceManagementApps.ReadWrite.All',
        status: 'skipped',
        code: 'provider.write_permission_missing',
      }),
    ]);
  });
});

describe('a refused token', () => {
  it.each([
    ['AADSTS7000215', 'provider.secret_invalid'],
    ['AADSTS7000222', 'provider.secret_expired'],
    ['AADSTS700016', 'provider.client_not_found'],
    ['AADSTS90002', 'provider.token_refused'],
  ])('%s is %s, with a next step', (aadsts, code) => {
    const check = tokenRefusedCheck(new GraphUnauthorizedError(`${aadsts}: refused.`, { aadsts }));
    expect(check).toMatchObject({ name: 'token', status: 'failed', code, aadsts });
    expect(check.nextStep).toEqual(expect.any(String));
  });
});
