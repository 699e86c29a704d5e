export * from './inventory.module.js';
export * from './inventory.service.js';
export type { InventoryItem, LiveItem, SnapshotEntry } from './inventory.repository.js';
export type { LatestVersion } from './policy-version.repository.js';
export { INVENTORY_SYNC, POLICY_SYNC } from './inventory.run-types.js';
