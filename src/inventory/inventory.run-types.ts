import { Capability } from '#libs/authz';
import { defineRunType } from '#libs/operation-runs';
import type { PolicyType } from '#libs/policies';

declare module '#libs/operation-runs' {
  interface RunTypeInputs {
    /**
     * The selected types, sorted (every type when none was selected); `scheduledFor`: the fire
     * of the tenant's sync plan that started it (strict identity per fire).
     */
    inventory_sync: { policyTypes: PolicyType[]; scheduledFor?: string };
    /** Inventory item ids, sorted; empty: every live item of the tenant. */
    policy_sync: { policyIds: string[] };
  }
}

export const INVENTORY_SYNC = defineRunType({
  type: 'inventory_sync',
  label: 'Inventory sync',
  capability: Capability.InventorySync,
  scope: 'active',
  alsoScopes: ['strict'],
  queue: 'inventory',
  tenantScoped: true,
  identity: (inputs) => ({
    policyTypes: [...inputs.policyTypes].sort(),
    ...(inputs.scheduledFor === undefined ? {} : { scheduledFor: inputs.scheduledFor }),
  }),
  job: { attempts: 3, backoffMs: 5000 },
});

export const POLICY_SYNC = defineRunType({
  type: 'policy_sync',
  label: 'Policy sync',
  capability: Capability.InventorySync,
  scope: 'active',
  queue: 'inventory',
  tenantScoped: true,
  identity: (inputs) => ({ policyIds: [...inputs.policyIds].sort() }),
  job: { attempts: 3, backoffMs: 5000 },
});
