import { Injectable } from '@nestjs/common';
import type { Tx } from '#libs/common/db';
import {
  AuditLogRepository,
  type AuditEntry,
  type AuditEvent,
  type AuditLogFilter,
} from './repositories/audit-log.repository.js';

/** The audit log, as every module writes to it: one entry per mutation, in its transaction. */
@Injectable()
export class AuditService {
  constructor(private readonly log: AuditLogRepository) {}

  /** Written inside the mutation's own transaction: no change without its entry, and vice versa. */
  record(event: AuditEvent, tx: Tx): Promise<void> {
    return this.log.record(event, tx);
  }

  /** A workspace's entries, newest first (keyset on the entry id). */
  list(filter: AuditLogFilter): Promise<AuditEntry[]> {
    return this.log.list(filter);
  }
}
