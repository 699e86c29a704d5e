import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { Tx } from '#libs/common/db';
import { MembershipEntity } from '../entities/membership.entity.js';
import type { Role } from '#libs/roles';

/** A member of a workspace, as the members list shows them. */
export interface WorkspaceMember {
  userId: string;
  email: string;
  name: string;
  role: Role;
  createdAt: Date;
  updatedAt: Date;
}

export interface MembershipWithWorkspace {
  workspaceId: string;
  workspaceName: string;
  role: Role;
}

@Injectable()
export class MembershipRepository {
  constructor(
    @InjectRepository(MembershipEntity) private readonly memberships: Repository<MembershipEntity>,
  ) {}

  findRole(workspaceId: string, userId: string, tx: Tx): Promise<MembershipEntity | null> {
    return tx.manager.findOneBy(MembershipEntity, { workspaceId, userId });
  }

  countOwners(workspaceId: string, tx: Tx): Promise<number> {
    return tx.manager.countBy(MembershipEntity, { workspaceId, role: 'owner' });
  }

  async upsert(workspaceId: string, userId: string, role: Role, tx: Tx): Promise<MembershipEntity> {
    const rows: MembershipEntity[] = await tx.manager.query(
      `INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, $3)
       ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role, updated_at = now()
       RETURNING workspace_id AS "workspaceId", user_id AS "userId", role,
                 created_at AS "createdAt", updated_at AS "updatedAt"`,
      [workspaceId, userId, role],
    );
    return rows[0]!;
  }

  /** The workspace's members, by name. */
  findMembers(workspaceId: string): Promise<WorkspaceMember[]> {
    return this.memberships.query(
      `SELECT m.user_id AS "userId", u.email, u.name, m.role,
              m.created_at AS "createdAt", m.updated_at AS "updatedAt"
         FROM workspace_memberships m JOIN users u ON u.id = m.user_id
        WHERE m.workspace_id = $1
        ORDER BY lower(u.name), u.id`,
      [workspaceId],
    );
  }

  /** Removes the membership; false when the user was not a member. */
  async delete(workspaceId: string, userId: string, tx: Tx): Promise<boolean> {
    const rows: [unknown[], number] = await tx.manager.query(
      `DELETE FROM workspace_memberships WHERE workspace_id = $1 AND user_id = $2 RETURNING user_id`,
      [workspaceId, userId],
    );
    return rows[0].length > 0;
  }

  findForUser(userId: string): Promise<MembershipWithWorkspace[]> {
    return this.memberships.query(
      `SELECT m.workspace_id AS "workspaceId", w.name AS "workspaceName", m.role
         FROM workspace_memberships m JOIN workspaces w ON w.id = m.workspace_id
        WHERE m.user_id = $1
        ORDER BY w.name, w.id`,
      [userId],
    );
  }
}
