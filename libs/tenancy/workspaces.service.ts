import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '#libs/common/db';
import type { Actor } from './actor.js';
import { ApiTokensService } from './api-tokens.service.js';
import {
  MembershipRepository,
  type MembershipWithWorkspace,
  type WorkspaceMember,
} from './repositories/membership.repository.js';
import { AuditService } from './audit.service.js';
import { UserRepository } from './repositories/user.repository.js';
import { WorkspaceRepository } from './repositories/workspace.repository.js';
import type { Role } from '#libs/roles';
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
    private readonly tokens: ApiTokensService,
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
      this.tokens.forgetUser(userId);
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

  /** The workspace's members with their roles, by name. */
  members(workspaceId: string): Promise<WorkspaceMember[]> {
    return this.memberships.findMembers(workspaceId);
  }

  /**
   * Removes a member. A workspace never loses its last owner (409); a user who is not a member
   * is a 404. Takes effect at once in this process (cached token holders are dropped), and in
   * others within AUTH_CACHE_SECONDS.
   */
  async removeMember(workspaceId: string, userId: string, actor: Actor): Promise<void> {
    await this.transactions.run(async (tx) => {
      if (!(await this.workspaces.lockForUpdate(workspaceId, tx))) {
        throw new TenancyError(
          TenancyErrorCode.WorkspaceNotFound,
          `Workspace ${JSON.stringify(workspaceId)} was not found.`,
        );
      }
      const previous = await this.memberships.findRole(workspaceId, userId, tx);
      if (!previous) {
        throw new TenancyError(
          TenancyErrorCode.MemberNotFound,
          `User ${JSON.stringify(userId)} is not a member of the workspace.`,
        );
      }
      if (
        previous.role === 'owner' &&
        (await this.memberships.countOwners(workspaceId, tx)) === 1
      ) {
        throw new TenancyError(
          TenancyErrorCode.LastOwner,
          'A workspace must keep at least one owner.',
        );
      }
      await this.memberships.delete(workspaceId, userId, tx);
      await this.audit.record(
        {
          actor,
          action: 'membership.delete',
          target: { type: 'user', id: userId },
          workspaceId,
          details: { previousRole: previous.role },
        },
        tx,
      );
    });
    this.tokens.forgetUser(userId);
  }

  membershipsOf(userId: string): Promise<MembershipWithWorkspace[]> {
    return this.memberships.findForUser(userId);
  }

  async exists(workspaceId: string): Promise<boolean> {
    return (await this.workspaces.findById(workspaceId)) !== null;
  }
}
