import { createHash } from 'node:crypto';
import type { RunType } from '#libs/operation-runs';

/** The syncs a tenant's plan fires, and the run type each starts. */
export const SYNC_KINDS = {
  inventory: 'inventory_sync',
  directoryGroups: 'entra_group_sync',
  roleDefinitions: 'directory_role_definitions_sync',
} as const satisfies Record<string, RunType>;

export type SyncKind = keyof typeof SYNC_KINDS;
export const SYNC_KIND_NAMES = Object.keys(SYNC_KINDS) as SyncKind[];

export interface SyncPlanTiming {
  enabled: boolean;
  cron: string;
  timezone: string;
}

export type SyncPlan = Record<SyncKind, SyncPlanTiming>;

/**
 * A tenant's plan until someone sets it: directory groups every 6 hours, role definitions and
 * the inventory daily, in UTC — at minutes and hours drawn from the tenant id, so that a
 * workspace's tenants (and all tenants) do not all sync at 00:00, and a tenant's daily syncs fall
 * at different hours.
 */
export function defaultSyncPlan(tenantId: string): SyncPlan {
  const bytes = createHash('sha256').update(tenantId).digest();
  const minute = (i: number) => bytes[i]! % 60;
  const hour = (i: number) => bytes[i]! % 24;
  const groupsHour = bytes[2]! % 6;
  const inventoryHour = hour(3);
  return {
    inventory: { enabled: true, cron: `${minute(0)} ${inventoryHour} * * *`, timezone: 'UTC' },
    directoryGroups: {
      enabled: true,
      cron: `${minute(1)} ${[0, 6, 12, 18].map((h) => h + groupsHour).join(',')} * * *`,
      timezone: 'UTC',
    },
    roleDefinitions: {
      enabled: true,
      // Twelve hours from the inventory: a tenant's two daily syncs do not meet.
      cron: `${minute(4)} ${(inventoryHour + 12) % 24} * * *`,
      timezone: 'UTC',
    },
  };
}
