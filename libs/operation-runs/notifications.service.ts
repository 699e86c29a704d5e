import { Injectable } from '@nestjs/common';
import { RecordNotFoundError } from '#libs/common/errors';
import { NotificationRepository, type NotificationRow } from './notifications.repository.js';
import { RunTypeRegistry } from './run-type.registry.js';

export interface Notification extends NotificationRow {
  title: string;
}

const OUTCOME_WORDS: Record<string, string> = {
  succeeded: 'succeeded',
  partially_succeeded: 'partially succeeded',
  failed: 'failed',
  skipped: 'was skipped',
  cancelled: 'was cancelled',
};

/** The caller's own notifications about the runs they started. */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly notifications: NotificationRepository,
    private readonly registry: RunTypeRegistry,
  ) {}

  async list(
    userId: string,
    options: { before?: string; limit: number; unreadOnly: boolean },
  ): Promise<Notification[]> {
    const rows = await this.notifications.listForUser(userId, options);
    return rows.map((row) => ({ ...row, title: this.title(row) }));
  }

  async markRead(userId: string, id: string): Promise<void> {
    if (!/^\d{1,18}$/.test(id) || !(await this.notifications.markRead(userId, id))) {
      throw new RecordNotFoundError('Notification');
    }
  }

  private title(row: NotificationRow): string {
    const label = this.registry.find(row.runType)?.label ?? row.runType;
    return row.event === 'run.queued'
      ? `${label} queued`
      : `${label} ${OUTCOME_WORDS[row.outcome ?? ''] ?? 'completed'}`;
  }
}
