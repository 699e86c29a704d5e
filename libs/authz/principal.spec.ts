import { Capability } from './capabilities.js';
import { Principal } from './principal.js';

const user = { id: 'u1', email: 'u1@example.test', name: 'U1' };

describe('Principal', () => {
  it('grants capabilities per workspace, by role, as SPEC §1 lists them', () => {
    const principal = new Principal(user, [
      { workspaceId: 'w-operator', role: 'operator' },
      { workspaceId: 'w-readonly', role: 'readonly' },
      { workspaceId: 'w-manager', role: 'manager' },
      { workspaceId: 'w-owner', role: 'owner' },
    ]);
    expect(principal.can(Capability.BackupRun, 'w-operator')).toBe(true);
    expect(principal.can(Capability.BackupManage, 'w-operator')).toBe(false);
    expect(principal.can(Capability.RestoreExecute, 'w-operator')).toBe(false);
    expect(principal.can(Capability.TenantView, 'w-readonly')).toBe(true);
    expect(principal.can(Capability.InventorySync, 'w-readonly')).toBe(false);
    expect(principal.can(Capability.RestoreExecute, 'w-manager')).toBe(true);
    expect(principal.can(Capability.WorkspaceManage, 'w-manager')).toBe(false);
    expect(principal.can(Capability.WorkspaceManage, 'w-owner')).toBe(true);
  });

  it('grants nothing outside its workspaces', () => {
    const principal = new Principal(user, [{ workspaceId: 'w1', role: 'owner' }]);
    expect(principal.isMemberOf('w2')).toBe(false);
    expect(principal.can(Capability.TenantView, 'w2')).toBe(false);
  });

  it('lists the workspaces where it holds a capability', () => {
    const principal = new Principal(user, [
      { workspaceId: 'a', role: 'readonly' },
      { workspaceId: 'b', role: 'operator' },
      { workspaceId: 'c', role: 'manager' },
    ]);
    expect(principal.workspacesWith(Capability.InventorySync).sort()).toEqual(['b', 'c']);
    expect(principal.workspacesWith(Capability.TenantView).sort()).toEqual(['a', 'b', 'c']);
  });
});
