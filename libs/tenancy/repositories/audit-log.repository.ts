import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
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

/** One audit entry, as the audit log route shows it. */
export interface AuditEntry {
  id: string;
  at: Date;
  actor: { userId: string | null; name: string };
  action: string;
  target: { type: string; id: string };
  workspaceId: string | null;
  tenantId: string | null;
  details: Record<string, unknown>;
}

export interface AuditLogFilter {
  workspaceId: string;
  actorId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  /** Entries at or after this instant. */
  from?: Date;
  /** Entries before this instant. */
  to?: Date;
  /** Entries older than this one (the keyset cursor: entry ids grow with time). */
  before?: string;
  limit: number;
}

@Injectable()
export class AuditLogRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** A workspace's entries, newest first, on the (workspace_id, id) index. */
  async list(filter: AuditLogFilter): Promise<AuditEntry[]> {
    const params: unknown[] = [filter.workspaceId];
    const param = (value: unknown) => `$${params.push(value)}`;
    const where = ['workspace_id = $1'];
    if (filter.actorId) where.push(`actor_user_id = ${param(filter.actorId)}`);
    if (filter.action) where.push(`action = ${param(filter.action)}`);
    if (filter.targetType) where.push(`target_type = ${param(filter.targetType)}`);
    if (filter.targetId) where.push(`target_id = ${param(filter.targetId)}`);
    if (filter.from) where.push(`at >= ${param(filter.from)}`);
    if (filter.to) where.push(`at < ${param(filter.to)}`);
    if (filter.before) where.push(`id < ${param(filter.before)}::bigint`);
    const rows: (Omit<AuditEntry, 'actor' | 'target'> & {
      actorUserId: string | null;
      actorName: string;
      targetType: string;
      targetId: string;
    })[] = await this.db.query(
      `SELECT id::text, at, actor_user_id AS "actorUserId", actor_name AS "actorName", action,
              target_type AS "targetType", target_id AS "targetId", workspace_id AS "workspaceId",
              tenant_id AS "tenantId", details
         FROM audit_log WHERE ${where.join(' AND ')}
        ORDER BY id DESC LIMIT ${param(filter.limit)}`,
      params,
    );
    return rows.map(({ actorUserId, actorName, targetType, targetId, ...rest }) => ({
      ...rest,
      actor: { userId: actorUserId, name: actorName },
      target: { type: targetType, id: targetId },
    }));
  }

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
