export * from './http/operation-run.dto.js';
export * from './http/starts-run.decorator.js';
