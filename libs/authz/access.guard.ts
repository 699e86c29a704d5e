import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { RecordNotFoundError } from '#libs/common/errors';
import { ApiTokensService, type TokenHolder } from '#libs/tenancy';
import { ACCESS_POLICY, CAPABILITY_OF_RECORD, type AccessPolicy } from './access.decorators.js';
import { AuthzError, AuthzErrorCode } from './authz.errors.js';
import { Principal } from './principal.js';
import { RecordScopeRegistry } from './record-scope.registry.js';

const BEARER = /^Bearer ([^\s]+)$/;

/**
 * The one place where requests are authenticated and authorised, for every route, driven by the
 * route's access policy. A route that declares no policy is refused: access is never implicit.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger(AccessGuard.name);
  /** A cached token holder is the same object for its lifetime: build its ability once. */
  private readonly principals = new WeakMap<TokenHolder, Principal>();

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokensService,
    private readonly records: RecordScopeRegistry,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const policy = this.reflector.getAllAndOverride<AccessPolicy | undefined>(ACCESS_POLICY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (policy?.kind === 'public') return true;

    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = (await this.authenticate(request.headers.authorization)).forRequest(
      String(request.id),
    );
    request.principal = principal;

    if (!policy) {
      this.logger.error(
        { requestId: request.id },
        `${request.method} ${request.routeOptions.url} declares no access policy`,
      );
      throw new AuthzError(AuthzErrorCode.Forbidden, 'This route is not available.');
    }
    if (policy.kind === 'authenticated') return true;

    const id = (request.params as Record<string, string | undefined>)[policy.on.param] ?? '';
    const kind = this.records.get(policy.on.record);
    const scope = await kind.resolve(id);
    if (!scope || !principal.isMemberOf(scope.workspaceId)) {
      throw new RecordNotFoundError(kind.label);
    }
    const capability =
      policy.capability === CAPABILITY_OF_RECORD ? scope.capability : policy.capability;
    if (!capability || !principal.can(capability, scope.workspaceId)) {
      throw new AuthzError(
        AuthzErrorCode.Forbidden,
        capability
          ? `This requires the ${capability} capability in the workspace.`
          : 'This record cannot be accessed.',
      );
    }
    request.recordScope = scope;
    return true;
  }

  private async authenticate(header: string | undefined): Promise<Principal> {
    const token = header ? BEARER.exec(header)?.[1] : undefined;
    const holder = token ? await this.tokens.authenticate(token) : null;
    if (!holder) {
      throw new AuthzError(
        AuthzErrorCode.Unauthenticated,
        header
          ? 'The bearer token is malformed, unknown, expired or revoked.'
          : 'A bearer token is required.',
      );
    }
    let principal = this.principals.get(holder);
    if (!principal) {
      principal = Principal.fromTokenHolder(holder);
      this.principals.set(holder, principal);
    }
    return principal;
  }
}
