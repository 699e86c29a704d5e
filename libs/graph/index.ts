export * from './graph-contracts.js';
export * from './graph.client.js';
export * from './graph.errors.js';
export * from './graph.module.js';
export * from './graph-shapes.js';
