export * from './actor.js';
export * from './api-tokens.service.js';
export * from './audit.service.js';
export type { AuditEntry, AuditEvent } from './repositories/audit-log.repository.js';
export type { TokenHolder, TokenSummary } from './repositories/api-token.repository.js';
export type {
  MembershipWithWorkspace,
  WorkspaceMember,
} from './repositories/membership.repository.js';
export type { ConnectionRecord } from './repositories/tenant.repository.js';
export * from './tenancy.errors.js';
export * from './tenancy.module.js';
export * from './tenants.service.js';
export * from './users.service.js';
export * from './workspaces.service.js';
