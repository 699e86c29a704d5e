export * from './sync-plans.module.js';
