export * from './framework-errors.js';
export * from './rate-limits.js';
export * from './security-headers.js';
