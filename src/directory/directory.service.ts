import { Injectable } from '@nestjs/common';
import type { Principal, RecordScope } from '#libs/authz';
import { RecordNotFoundError } from '#libs/common/errors';
import { namePage } from '#libs/common/db';
import type { Page } from '#libs/common/pagination';
import { OperationRunsService, type StartedRun } from '#libs/operation-runs';
import {
  DirectoryGroupRepository,
  type DirectoryGroup,
  type GroupName,
} from './directory-group.repository.js';

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

  /** The tenant's cached groups among these ids (ids not in the cache are left out). */
  groupsByIds(tenantId: string, ids: readonly string[]): Promise<GroupName[]> {
    return this.groups.findByIds(tenantId, [...new Set(ids)]);
  }

  /**
   * The tenant's cached groups with any of these display names, compared case-insensitively as
   * Entra does; a name may belong to several groups.
   */
  groupsByDisplayNames(tenantId: string, names: readonly string[]): Promise<GroupName[]> {
    return this.groups.findByDisplayNames(tenantId, [...new Set(names)]);
  }

  async group(tenantId: string, id: string): Promise<DirectoryGroup> {
    const group = await this.groups.find(tenantId, id);
    if (!group) throw new RecordNotFoundError('Directory group');
    return group;
  }
}
