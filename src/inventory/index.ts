export * from './inventory.module.js';
export * from './inventory.service.js';
export type { InventoryItem, SnapshotEntry } from './inventory.repository.js';
export * from './policy-capture.service.js';
export * from './policy-content.js';
export * from './policy-types.js';
export { INVENTORY_SYNC, POLICY_SYNC } from './inventory.run-types.js';
