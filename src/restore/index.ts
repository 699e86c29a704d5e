export * from './restore.module.js';
export { RESTORE_EXECUTE } from './restore.run-types.js';
