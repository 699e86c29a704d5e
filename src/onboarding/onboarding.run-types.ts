import { Capability } from '#libs/authz';
import { defineRunType } from '#libs/operation-runs';

declare module '#libs/operation-runs' {
  interface RunTypeInputs {
    provider_connection_verify: Record<string, never>;
  }
}

export const PROVIDER_CONNECTION_VERIFY = defineRunType({
  type: 'provider_connection_verify',
  label: 'Provider connection check',
  capability: Capability.TenantManage,
  scope: 'active',
  queue: 'onboarding',
  tenantScoped: true,
  identity: () => ({}),
  job: { attempts: 3, backoffMs: 5000 },
});

/** The run types a tenant shows its newest run of (`lastRuns`), in the order it lists them. */
export const LAST_RUN_TYPES = [
  'inventory_sync',
  'entra_group_sync',
  'directory_role_definitions_sync',
  'policy_sync',
  'backup_schedule_run',
  'provider_connection_verify',
] as const;
export type LastRunType = (typeof LAST_RUN_TYPES)[number];
