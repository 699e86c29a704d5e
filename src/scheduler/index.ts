export * from './scheduler.module.js';
export * from './scheduler.service.js';
