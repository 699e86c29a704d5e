import type { Role } from '#libs/roles';

/** Every capability of the product. Code names capabilities only through this registry. */
export const Capability = {
  TenantView: 'tenant.view',
  TenantManage: 'tenant.manage',
  WorkspaceManage: 'workspace.manage',
  InventorySync: 'inventory.sync',
  DirectorySync: 'directory.sync',
  DriftGenerate: 'drift.generate',
  BackupRun: 'backup.run',
  BackupManage: 'backup.manage',
  RestoreExecute: 'restore.execute',
} as const;
export type Capability = (typeof Capability)[keyof typeof Capability];

export const ALL_CAPABILITIES: readonly Capability[] = Object.values(Capability);

export const ROLE_CAPABILITIES: Readonly<Record<Role, readonly Capability[]>> = {
  owner: ALL_CAPABILITIES,
  manager: ALL_CAPABILITIES.filter((capability) => capability !== Capability.WorkspaceManage),
  operator: [
    Capability.TenantView,
    Capability.InventorySync,
    Capability.DirectorySync,
    Capability.DriftGenerate,
    Capability.BackupRun,
  ],
  readonly: [Capability.TenantView],
};
