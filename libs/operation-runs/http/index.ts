export * from './operation-run.dto.js';
export * from './starts-run.decorator.js';
export * from './list-queries.dto.js';
