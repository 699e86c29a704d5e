export * from './policies.module.js';
export * from './policy-capture.service.js';
export * from './policy-content.js';
export * from './policy-types.js';
export * from './policy-writes.js';
export * from './policy-secrets.js';
export * from './restore-marker.js';
