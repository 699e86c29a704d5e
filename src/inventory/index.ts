export * from './inventory.module.js';
export * from './inventory.service.js';
export type { InventoryItem, SnapshotEntry } from './inventory.repository.js';
export { INVENTORY_SYNC, POLICY_SYNC } from './inventory.run-types.js';
