import { Injectable } from '@nestjs/common';
import type { Tx } from '#libs/common/db';
import { decodeCursor, pageOf, type Page } from '#libs/common/pagination';
import {
  AuditLogRepository,
  type AuditEntry,
  type AuditEvent,
  type AuditLogFilter,
} from './repositories/audit-log.repository.js';

const DEFAULT_LIMIT = 50;

/** What a reader of a workspace's audit log asks for: the log's filters, and which page. */
export type AuditLogQuery = Omit<AuditLogFilter, 'workspaceId' | 'before' | 'limit'> & {
  /** The `nextCursor` of the previous page. */
  cursor?: string;
  /** Entries per page (default 50). */
  limit?: number;
};

/** The audit log, as every module writes to it: one entry per mutation, in its transaction. */
@Injectable()
export class AuditService {
  constructor(private readonly log: AuditLogRepository) {}

  /** Written inside the mutation's own transaction: no change without its entry, and vice versa. */
  record(event: AuditEvent, tx: Tx): Promise<void> {
    return this.log.record(event, tx);
  }

  /**
   * A page of a workspace's entries, newest first (keyset on the entry id); a cursor this API did
   * not make is a 400 naming `cursor`.
   */
  async page(workspaceId: string, query: AuditLogQuery): Promise<Page<AuditEntry>> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const { cursor, ...filters } = query;
    const before =
      cursor === undefined
        ? undefined
        : decodeCursor(cursor, 1, ([id]) => /^\d{1,19}$/.test(id ?? ''))[0];
    const rows = await this.log.list({ ...filters, workspaceId, before, limit: limit + 1 });
    return pageOf(
      rows,
      limit,
      (entry) => [entry.id],
      (entry) => entry,
    );
  }
}
