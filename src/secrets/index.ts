export * from './secrets.module.js';
export * from './secrets-rotation.service.js';
