import { Capability } from '#libs/authz';
import { defineRunType } from '#libs/operation-runs';

declare module '#libs/operation-runs' {
  interface RunTypeInputs {
    directory_role_definitions_sync: Record<string, never>;
  }
}

export const DIRECTORY_ROLE_DEFINITIONS_SYNC = defineRunType({
  type: 'directory_role_definitions_sync',
  label: 'Role definitions sync',
  capability: Capability.DirectorySync,
  scope: 'active',
  queue: 'role_definitions',
  tenantScoped: true,
  identity: () => ({}),
  job: { attempts: 3, backoffMs: 5000 },
});
