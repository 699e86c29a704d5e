export * from './batch-firing.js';
export * from './fire-times.js';
export * from './scheduling.module.js';
export * from './tick.registry.js';
