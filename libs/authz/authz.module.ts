import { Module, type OnModuleInit } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { isUuid } from '#libs/common/ids';
import { TenancyModule, TenantsService, WorkspacesService } from '#libs/tenancy';
import { AccessGuard } from './access.guard.js';
import { RecordScopeRegistry } from './record-scope.registry.js';

/** Authentication, the capability registry and the 404/403 rule, applied to every route. */
@Module({
  imports: [TenancyModule],
  providers: [RecordScopeRegistry, { provide: APP_GUARD, useClass: AccessGuard }],
  exports: [RecordScopeRegistry],
})
export class AuthzModule implements OnModuleInit {
  constructor(
    private readonly records: RecordScopeRegistry,
    private readonly workspaces: WorkspacesService,
    private readonly tenants: TenantsService,
  ) {}

  onModuleInit(): void {
    this.records.register('workspace', 'Workspace', async (id) =>
      isUuid(id) && (await this.workspaces.exists(id)) ? { workspaceId: id } : null,
    );
    this.records.register('tenant', 'Tenant', async (id) => {
      const scope = isUuid(id) ? await this.tenants.findScope(id) : null;
      return scope ? { workspaceId: scope.workspaceId, tenantId: id } : null;
    });
  }
}
