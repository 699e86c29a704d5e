import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface NotificationRow {
  id: string;
  runId: string | null;
  runType: string;
  event: 'run.queued' | 'run.completed';
  outcome: string | null;
  link: string;
  createdAt: Date;
  readAt: Date | null;
}

/** Notifications are written with the run changes they report (see OperationRunRepository). */
@Injectable()
export class NotificationRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  listForUser(
    userId: string,
    options: { before?: string; limit: number; unreadOnly: boolean },
  ): Promise<NotificationRow[]> {
    return this.db.query(
      `SELECT id::text, run_id AS "runId", run_type AS "runType", event, outcome, link,
              created_at AS "createdAt", read_at AS "readAt"
         FROM notifications
        WHERE user_id = $1 AND ($2::bigint IS NULL OR id < $2) AND (NOT $3 OR read_at IS NULL)
        ORDER BY id DESC LIMIT $4`,
      [userId, options.before ?? null, options.unreadOnly, options.limit],
    );
  }

  /** Marks the user's own notification read; false when it is not theirs or does not exist. */
  async markRead(userId: string, id: string): Promise<boolean> {
    const rows: [unknown[], number] = await this.db.query(
      `UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE id = $1 AND user_id = $2 RETURNING id`,
      [id, userId],
    );
    return rows[0].length > 0;
  }
}
