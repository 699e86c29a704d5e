export * from './fire-times.js';
export * from './scheduler.module.js';
export * from './scheduler.service.js';
export * from './tick.registry.js';
