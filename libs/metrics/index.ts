export * from './graph-resource.js';
export * from './metrics.js';
export * from './metrics.module.js';
export * from './metrics-server.js';
