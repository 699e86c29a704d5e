export * from './onboarding.errors.js';
export * from './onboarding.module.js';
export * from './onboarding.service.js';
export {
  LAST_RUN_TYPES,
  PROVIDER_CONNECTION_VERIFY,
  type LastRunType,
} from './onboarding.run-types.js';
