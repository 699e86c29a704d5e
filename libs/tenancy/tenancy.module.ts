import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiTokensService } from './api-tokens.service.js';
import { ApiTokenEntity } from './entities/api-token.entity.js';
import { MembershipEntity } from './entities/membership.entity.js';
import { TenantEntity } from './entities/tenant.entity.js';
import { UserEntity } from './entities/user.entity.js';
import { WorkspaceEntity } from './entities/workspace.entity.js';
import { ProviderSecretCipher } from './provider-secret.cipher.js';
import { ApiTokenRepository } from './repositories/api-token.repository.js';
import { AuditService } from './audit.service.js';
import { AuditLogRepository } from './repositories/audit-log.repository.js';
import { MembershipRepository } from './repositories/membership.repository.js';
import { TenantRepository } from './repositories/tenant.repository.js';
import { UserRepository } from './repositories/user.repository.js';
import { WorkspaceRepository } from './repositories/workspace.repository.js';
import { TenantsService } from './tenants.service.js';
import { UsersService } from './users.service.js';
import { WorkspacesService } from './workspaces.service.js';

/** Workspaces, users, memberships, API tokens, tenants and the audit log. */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      WorkspaceEntity,
      UserEntity,
      MembershipEntity,
      ApiTokenEntity,
      TenantEntity,
    ]),
  ],
  providers: [
    WorkspaceRepository,
    UserRepository,
    MembershipRepository,
    ApiTokenRepository,
    TenantRepository,
    AuditLogRepository,
    AuditService,
    ProviderSecretCipher,
    WorkspacesService,
    UsersService,
    ApiTokensService,
    TenantsService,
  ],
  exports: [WorkspacesService, UsersService, ApiTokensService, TenantsService, AuditService],
})
export class TenancyModule {}
