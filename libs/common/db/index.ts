export * from './data-source.js';
export * from './database.module.js';
export * from './snake-naming.strategy.js';
export * from './transaction-runner.js';
export * from './prepared.js';
export * from './name-search.js';
export * from './sql-conditions.js';
