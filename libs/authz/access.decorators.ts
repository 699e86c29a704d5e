import {
  applyDecorators,
  createParamDecorator,
  SetMetadata,
  type ExecutionContext,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Type } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Capability } from './capabilities.js';
import type { Principal } from './principal.js';
import type { RecordScope } from './record-scope.registry.js';

/** Marker: the capability to require is the one the record demands (e.g. a run's type). */
export const CAPABILITY_OF_RECORD = 'capability-of-record' as const;

/** A record named in the URL: its kind (see RecordScopeRegistry) and the route parameter. */
export interface RecordRef {
  record: string;
  param: string;
}

export type AccessPolicy =
  | { kind: 'public' }
  | { kind: 'authenticated' }
  | { kind: 'capability'; capability: Capability | typeof CAPABILITY_OF_RECORD; on: RecordRef };

export const ACCESS_POLICY = 'tenantops:access-policy';

/** No authentication (health probes, the OpenAPI document). */
export const Public = () => SetMetadata(ACCESS_POLICY, { kind: 'public' } satisfies AccessPolicy);

/** Any caller with a valid token; the handler itself scopes what it returns to the caller. */
export const Authenticated = () =>
  applyDecorators(
    SetMetadata(ACCESS_POLICY, { kind: 'authenticated' } satisfies AccessPolicy),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({
      description: 'Missing, malformed, unknown, expired or revoked token.',
    }),
  );

/**
 * The caller must hold `capability` in the workspace that owns the record named by the route
 * parameter. Not a member (or no such record): 404, the same body either way. Member without the
 * capability: 403. Resolved before the handler runs, so a refused request changes nothing.
 */
export const RequireCapability = (
  capability: Capability | typeof CAPABILITY_OF_RECORD,
  on: RecordRef,
) =>
  applyDecorators(
    SetMetadata(ACCESS_POLICY, { kind: 'capability', capability, on } satisfies AccessPolicy),
    // Documented here, as the route may not read the parameter itself (the guard does).
    ApiParam({ name: on.param, type: String, description: `The ${on.record}'s id.` }),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({
      description: 'Missing, malformed, unknown, expired or revoked token.',
    }),
    ApiNotFoundResponse({
      description: `No such ${on.record}, or the caller is not a member of its workspace.`,
    }),
    ApiForbiddenResponse({
      description:
        capability === CAPABILITY_OF_RECORD
          ? 'The caller lacks the capability this record requires.'
          : `The caller lacks the ${capability} capability in the workspace.`,
    }),
  );

/** The tenant that a `/tenants/:tenantId/…` route names. */
export const TENANT_RECORD: RecordRef = { record: 'tenant', param: 'tenantId' };

/** {@link RequireCapability} on the tenant that a `/tenants/:tenantId/…` route names. */
export const RequireTenantCapability = (capability: Capability) =>
  RequireCapability(capability, TENANT_RECORD);

/**
 * A read of a tenant's data (`/tenants/:tenantId/…`): `tenant.view` on the tenant, documented
 * with its summary and its 200 answer.
 */
export const TenantRead = (summary: string, type: Type<unknown>) =>
  applyDecorators(
    RequireTenantCapability(Capability.TenantView),
    ApiOperation({ summary }),
    ApiOkResponse({ type }),
  );

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** Where the record named by the route belongs, as the access guard resolved it. */
    recordScope?: RecordScope;
  }
}

/** The authenticated caller (only on routes that are not `@Public()`). */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const principal = context.switchToHttp().getRequest<FastifyRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route without authentication.');
  return principal;
});

/** The scope (workspace, tenant) of the record a `@RequireCapability` route names. */
export const ResolvedScope = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const scope = context.switchToHttp().getRequest<FastifyRequest>().recordScope;
  if (!scope) throw new Error('ResolvedScope used on a route without a record.');
  return scope;
});
