export * from './policies.module.js';
export * from './policy-capture.service.js';
export * from './policy-content.js';
export * from './policy-types.js';
