export * from './app-error.js';
export * from './problem.js';
export * from './problem.filter.js';
export * from './validation.js';
export * from './run-errors.js';
export * from './unavailable.js';
