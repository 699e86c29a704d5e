import { Injectable } from '@nestjs/common';
import type { Principal, RecordScope } from '#libs/authz';
import { RecordNotFoundError } from '#libs/common/errors';
import { namePage } from '#libs/common/db';
import type { Page } from '#libs/common/pagination';
import { OperationRunsService, type StartedRun } from '#libs/operation-runs';
import { DirectoryGroupRepository, type DirectoryGroup } from './directory-group.repository.js';

export interface SearchQuery {
  search?: string;
  limit?: number;
  cursor?: string;
}

/** Starts group syncs and answers group search and lookup from the cache (PostgreSQL only). */
@Injectable()
export class DirectoryService {
  constructor(
    private readonly runs: OperationRunsService,
    private readonly groups: DirectoryGroupRepository,
  ) {}

  startGroupSync(scope: RecordScope, initiator: Principal): Promise<StartedRun> {
    return this.runs.start({
      type: 'entra_group_sync',
      workspaceId: scope.workspaceId,
      tenantId: scope.tenantId!,
      inputs: {},
      initiator,
    });
  }

  searchGroups(tenantId: string, query: SearchQuery): Promise<Page<DirectoryGroup>> {
    return namePage((q) => this.groups.search(q), { tenantId, ...query });
  }

  async group(tenantId: string, id: string): Promise<DirectoryGroup> {
    const group = await this.groups.find(tenantId, id);
    if (!group) throw new RecordNotFoundError('Directory group');
    return group;
  }
}
