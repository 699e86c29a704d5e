import { Injectable } from '@nestjs/common';
import type { Principal, RecordScope } from '../../libs/authz/index.js';
import { RecordNotFoundError } from '../../libs/common/errors/index.js';
import { decodeCursor, pageOf, type Page } from '../../libs/common/pagination.js';
import { OperationRunsService, type StartedRun } from '../../libs/operation-runs/index.js';
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

  async searchGroups(tenantId: string, query: SearchQuery): Promise<Page<DirectoryGroup>> {
    const limit = query.limit ?? 50;
    const rows = await this.groups.search({
      tenantId,
      search: query.search,
      after:
        query.cursor === undefined
          ? undefined
          : (decodeCursor(query.cursor, 2) as [string, string]),
      limit: limit + 1,
    });
    return pageOf(
      rows,
      limit,
      (g) => [g.displayName.toLowerCase(), g.id],
      (g) => g,
    );
  }

  async group(tenantId: string, id: string): Promise<DirectoryGroup> {
    const group = await this.groups.find(tenantId, id);
    if (!group) throw new RecordNotFoundError('Directory group');
    return group;
  }
}
