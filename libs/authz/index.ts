export * from './access.decorators.js';
export * from './authz.errors.js';
export * from './authz.module.js';
export * from './capabilities.js';
export * from './principal.js';
export * from './record-scope.registry.js';
