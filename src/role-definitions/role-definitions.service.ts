import { Injectable } from '@nestjs/common';
import type { Principal, RecordScope } from '#libs/authz';
import { RecordNotFoundError } from '#libs/common/errors';
import { namePage } from '#libs/common/db';
import type { Page } from '#libs/common/pagination';
import { OperationRunsService, type StartedRun } from '#libs/operation-runs';
import {
  RoleDefinitionRepository,
  type RoleDefinition,
  type RoleSource,
} from './role-definition.repository.js';

export interface RoleSearchQuery {
  search?: string;
  source?: RoleSource;
  limit?: number;
  cursor?: string;
}

/** Starts role definition syncs and answers search and lookup from the cache only. */
@Injectable()
export class RoleDefinitionsService {
  constructor(
    private readonly runs: OperationRunsService,
    private readonly roles: RoleDefinitionRepository,
  ) {}

  startSync(scope: RecordScope, initiator: Principal): Promise<StartedRun> {
    return this.runs.start({
      type: 'directory_role_definitions_sync',
      workspaceId: scope.workspaceId,
      tenantId: scope.tenantId!,
      inputs: {},
      initiator,
    });
  }

  search(tenantId: string, query: RoleSearchQuery): Promise<Page<RoleDefinition>> {
    const { source, ...rest } = query;
    return namePage((q) => this.roles.search(q), {
      tenantId,
      ...rest,
      equals: source ? { source } : undefined,
    });
  }

  async get(tenantId: string, id: string): Promise<RoleDefinition> {
    const role = await this.roles.find(tenantId, id);
    if (!role) throw new RecordNotFoundError('Role definition');
    return role;
  }
}
