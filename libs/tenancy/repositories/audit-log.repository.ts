import { Injectable } from '@nestjs/common';
import type { Tx } from '#libs/common/db';
import type { Actor } from '../actor.js';

export interface AuditEvent {
  actor: Actor;
  action: string;
  target: { type: string; id: string };
  workspaceId?: string | null;
  tenantId?: string | null;
  /** Non-secret facts about the change (field names changed, role granted, …). */
  details?: Record<string, unknown>;
}

@Injectable()
export class AuditLogRepository {
  /** Written inside the mutation's own transaction: no change without its entry, and vice versa. */
  async record(event: AuditEvent, tx: Tx): Promise<void> {
    await tx.manager.query(
      `INSERT INTO audit_log (actor_user_id, actor_name, action, target_type, target_id, workspace_id, tenant_id, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        event.actor.userId,
        event.actor.name,
        event.action,
        event.target.type,
        event.target.id,
        event.workspaceId ?? null,
        event.tenantId ?? null,
        JSON.stringify(event.details ?? {}),
      ],
    );
  }
}
