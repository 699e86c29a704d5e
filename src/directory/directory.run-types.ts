import { Capability } from '#libs/authz';
import { defineRunType, type Json } from '#libs/operation-runs';

declare module '#libs/operation-runs' {
  interface RunTypeInputs {
    /** `scheduledFor`: the sync plan's fire that started it (strict identity per fire). */
    entra_group_sync: { scheduledFor?: string };
  }
}

export const ENTRA_GROUP_SYNC = defineRunType({
  type: 'entra_group_sync',
  label: 'Directory groups sync',
  capability: Capability.DirectorySync,
  scope: 'active',
  alsoScopes: ['strict'],
  queue: 'directory',
  tenantScoped: true,
  identity: (inputs): Json =>
    inputs.scheduledFor === undefined ? {} : { scheduledFor: inputs.scheduledFor },
  job: { attempts: 3, backoffMs: 5000 },
});
