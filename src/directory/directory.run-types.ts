import { Capability } from '#libs/authz';
import { defineRunType } from '#libs/operation-runs';

declare module '#libs/operation-runs' {
  interface RunTypeInputs {
    entra_group_sync: Record<string, never>;
  }
}

export const ENTRA_GROUP_SYNC = defineRunType({
  type: 'entra_group_sync',
  label: 'Directory groups sync',
  capability: Capability.DirectorySync,
  scope: 'active',
  queue: 'directory',
  tenantScoped: true,
  identity: () => ({}),
  job: { attempts: 3, backoffMs: 5000 },
});
