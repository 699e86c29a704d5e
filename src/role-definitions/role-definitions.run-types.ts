import { Capability } from '#libs/authz';
import { defineRunType, type Json } from '#libs/operation-runs';

declare module '#libs/operation-runs' {
  interface RunTypeInputs {
    /** `scheduledFor`: the sync plan's fire that started it (strict identity per fire). */
    directory_role_definitions_sync: { scheduledFor?: string };
  }
}

export const DIRECTORY_ROLE_DEFINITIONS_SYNC = defineRunType({
  type: 'directory_role_definitions_sync',
  label: 'Role definitions sync',
  capability: Capability.DirectorySync,
  scope: 'active',
  alsoScopes: ['strict'],
  queue: 'role_definitions',
  tenantScoped: true,
  identity: (inputs): Json =>
    inputs.scheduledFor === undefined ? {} : { scheduledFor: inputs.scheduledFor },
  job: { attempts: 3, backoffMs: 5000 },
});
