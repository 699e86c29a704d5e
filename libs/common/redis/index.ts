export * from './queue.module.js';
export * from './redis-connections.js';
