export * from './http/operation-run.dto.js';
export * from './http/starts-run.decorator.js';
export * from './http/list-queries.dto.js';
