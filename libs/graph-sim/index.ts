export type { SimSizes, SimItem } from './sim-data.js';
export type { ScheduledFault, SimFaultRates } from './sim-faults.js';
export * from './sim-server.js';
export type { SimRequestRecord, SimTenant } from './sim-tenant.js';
export type { SimThrottle, SimThrottleStats } from './sim-throttle.js';
