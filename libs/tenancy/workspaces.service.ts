import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '#libs/common/db';
import type { Actor } from './actor.js';
import {
  MembershipRepository,
  type MembershipWithWorkspace,
} from './repositories/membership.repository.js';
import { AuditService } from './audit.service.js';
import { UserRepository } from './repositories/user.repository.js';
import { WorkspaceRepository } from './repositories/workspace.repository.js';
import type { Role } from './roles.js';
import { TenancyError, TenancyErrorCode } from './tenancy.errors.js';

export interface Membership {
  workspaceId: string;
  userId: string;
  role: Role;
  createdAt: Date;
  updatedAt: Date;
}

@Injectable()
export class WorkspacesService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly workspaces: WorkspaceRepository,
    private readonly users: UserRepository,
    private readonly memberships: MembershipRepository,
    private readonly audit: AuditService,
  ) {}

  create(name: string, actor: Actor): Promise<{ id: string; name: string; createdAt: Date }> {
    return this.transactions.run(async (tx) => {
      const workspace = await this.workspaces.insert(name, tx);
      await this.audit.record(
        {
          actor,
          action: 'workspace.create',
          target: { type: 'workspace', id: workspace.id },
          workspaceId: workspace.id,
        },
        tx,
      );
      return workspace;
    });
  }

  /**
   * Adds the user to the workspace with the role, or changes the role of an existing member.
   * A workspace never loses its last owner.
   */
  addMember(
    workspaceId: string,
    userId: string,
    role: Role,
    actor: Actor,
  ): Promise<{ membership: Membership; created: boolean }> {
    return this.transactions.run(async (tx) => {
      if (!(await this.workspaces.lockForUpdate(workspaceId, tx))) {
        throw new TenancyError(
          TenancyErrorCode.WorkspaceNotFound,
          `Workspace ${JSON.stringify(workspaceId)} was not found.`,
        );
      }
      if (!(await this.users.findById(userId))) {
        throw new TenancyError(
          TenancyErrorCode.UserNotFound,
          `User ${JSON.stringify(userId)} was not found.`,
        );
      }
      const previous = await this.memberships.findRole(workspaceId, userId, tx);
      if (
        previous?.role === 'owner' &&
        role !== 'owner' &&
        (await this.memberships.countOwners(workspaceId, tx)) === 1
      ) {
        throw new TenancyError(
          TenancyErrorCode.LastOwner,
          'A workspace must keep at least one owner.',
        );
      }
      const membership = await this.memberships.upsert(workspaceId, userId, role, tx);
      await this.audit.record(
        {
          actor,
          action: previous ? 'membership.update' : 'membership.create',
          target: { type: 'user', id: userId },
          workspaceId,
          details: { role, ...(previous ? { previousRole: previous.role } : {}) },
        },
        tx,
      );
      return { membership, created: !previous };
    });
  }

  membershipsOf(userId: string): Promise<MembershipWithWorkspace[]> {
    return this.memberships.findForUser(userId);
  }

  async exists(workspaceId: string): Promise<boolean> {
    return (await this.workspaces.findById(workspaceId)) !== null;
  }
}
