import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Principal, RecordScope } from '#libs/authz';
import { TransactionRunner, type Tx } from '#libs/common/db';
import { CommonError, CommonErrorCode, RecordNotFoundError } from '#libs/common/errors';
import {
  OperationRunsService,
  type ListRunsQuery,
  type RunPage,
  type StartedRun,
} from '#libs/operation-runs';
import { AuditService, type Actor } from '#libs/tenancy';
import { FireSchedule, FireScheduleError } from '#libs/scheduling';
import { BackupSchedulingError, BackupSchedulingErrorCode } from './backup-scheduling.errors.js';
import {
  BackupScheduleRepository,
  type BackupSchedule,
  type BackupScheduleFields,
} from './backup-schedules.repository.js';
import type {
  CreateBackupScheduleDto,
  UpdateBackupScheduleDto,
} from './dto/backup-schedule.dto.js';

const DEFAULT_KEEP_LAST = 10;

/** Parses the schedule's timing; a bad cron or zone is a 400 naming the field. */
function fireScheduleOf(cron: string, timezone: string): FireSchedule {
  try {
    return FireSchedule.parse(cron, timezone);
  } catch (error) {
    if (!(error instanceof FireScheduleError)) throw error;
    throw new CommonError(CommonErrorCode.Validation, `Invalid request: ${error.field}.`, [
      { field: error.field, messages: [error.message] },
    ]);
  }
}

/** Schedules' rules: validation on write, the next fire, and manual starts. */
@Injectable()
export class BackupSchedulesService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly schedules: BackupScheduleRepository,
    private readonly audit: AuditService,
    private readonly runs: OperationRunsService,
  ) {}

  create(
    scope: RecordScope,
    input: CreateBackupScheduleDto,
    actor: Actor,
  ): Promise<BackupSchedule> {
    const fields = this.fields({
      name: input.name,
      enabled: input.enabled ?? true,
      cron: input.cron,
      timezone: input.timezone,
      policyTypes: input.policyTypes ?? [],
      keepLast: input.keepLast ?? DEFAULT_KEEP_LAST,
      overlapPolicy: input.overlapPolicy ?? 'skip',
    });
    return this.transactions.run(async (tx) => {
      const schedule = await this.schedules.insert(
        { ...fields, id: randomUUID(), workspaceId: scope.workspaceId, tenantId: scope.tenantId! },
        tx,
      );
      await this.record(tx, actor, 'backup_schedule.create', schedule, { name: schedule.name });
      return schedule;
    });
  }

  async get(tenantId: string, id: string): Promise<BackupSchedule> {
    const schedule = await this.schedules.findLive(id);
    if (!schedule || schedule.tenantId !== tenantId)
      throw new RecordNotFoundError('Backup schedule');
    return schedule;
  }

  list(tenantId: string): Promise<BackupSchedule[]> {
    return this.schedules.listLiveByTenant(tenantId);
  }

  update(
    tenantId: string,
    id: string,
    input: UpdateBackupScheduleDto,
    actor: Actor,
  ): Promise<BackupSchedule> {
    if (Object.keys(input).length === 0) {
      throw new CommonError(CommonErrorCode.Validation, 'Name at least one field to change.');
    }
    return this.transactions.run(async (tx) => {
      const current = await this.schedules.findLive(id, tx);
      if (!current || current.tenantId !== tenantId)
        throw new RecordNotFoundError('Backup schedule');
      const merged = { ...current, ...input };
      const timing = ['cron', 'timezone', 'enabled'].some(
        (key) =>
          key in input && input[key as keyof typeof input] !== current[key as keyof typeof current],
      );
      const fields = this.fields(
        merged,
        // Timing unchanged: the fires already owed stay owed.
        timing ? undefined : current.nextFireAt,
      );
      const schedule = await this.schedules.update(id, fields, tx);
      await this.record(tx, actor, 'backup_schedule.update', schedule, {
        fields: Object.keys(input).sort(),
      });
      return schedule;
    });
  }

  remove(tenantId: string, id: string, actor: Actor): Promise<void> {
    return this.transactions.run(async (tx) => {
      const current = await this.schedules.findLive(id, tx);
      if (!current || current.tenantId !== tenantId)
        throw new RecordNotFoundError('Backup schedule');
      await this.schedules.softDelete(id, tx);
      await this.record(tx, actor, 'backup_schedule.delete', current);
    });
  }

  /** Run now: a new run per request (or the one its Idempotency-Key made). */
  async runNow(
    tenantId: string,
    id: string,
    principal: Principal,
    idempotencyKey?: string,
  ): Promise<StartedRun> {
    const schedule = await this.get(tenantId, id);
    return this.startManual(schedule, principal, idempotencyKey);
  }

  /** Retry: like run now, but only when the schedule's last finished run failed. */
  async retry(
    tenantId: string,
    id: string,
    principal: Principal,
    idempotencyKey?: string,
  ): Promise<StartedRun> {
    const schedule = await this.get(tenantId, id);
    const { items } = await this.runs.list(principal, {
      type: 'backup_schedule_run',
      status: 'completed',
      context: { key: 'scheduleId', value: schedule.id },
      limit: 1,
    });
    const last = items[0];
    if (!last || (last.outcome !== 'failed' && last.outcome !== 'partially_succeeded')) {
      throw new BackupSchedulingError(
        BackupSchedulingErrorCode.NothingToRetry,
        last
          ? `The schedule's last run ${last.id} ended ${last.outcome}: there is no failed run to retry.`
          : 'The schedule has no finished run to retry.',
      );
    }
    return this.startManual(schedule, principal, idempotencyKey, last.id);
  }

  /** A user's start: per request (or the run its Idempotency-Key made). */
  private startManual(
    schedule: BackupSchedule,
    principal: Principal,
    idempotencyKey: string | undefined,
    retryOf?: string,
  ): Promise<StartedRun> {
    return this.runs.start({
      type: 'backup_schedule_run',
      workspaceId: schedule.workspaceId,
      tenantId: schedule.tenantId,
      inputs: retryOf ? { scheduleId: schedule.id, retryOf } : { scheduleId: schedule.id },
      context: { trigger: retryOf ? 'retry' : 'manual' },
      initiator: principal,
      idempotencyKey,
    });
  }

  /** The schedule's runs (scheduled, manual, retention), as `GET /operations` shows runs. */
  async runsOf(
    tenantId: string,
    id: string,
    principal: Principal,
    query: Omit<ListRunsQuery, 'tenantId'>,
  ): Promise<RunPage> {
    const schedule = await this.get(tenantId, id);
    return this.runs.list(principal, {
      ...query,
      tenantId,
      context: { key: 'scheduleId', value: schedule.id },
    });
  }

  /** Validated fields; the next fire is computed from now unless the owed one is kept. */
  private fields(
    input: Omit<BackupScheduleFields, 'nextFireAt'>,
    keepNextFireAt?: Date | null,
  ): BackupScheduleFields {
    const fire = fireScheduleOf(input.cron, input.timezone);
    return {
      name: input.name,
      enabled: input.enabled,
      cron: fire.cron,
      timezone: fire.timezone,
      policyTypes: [...input.policyTypes].sort(),
      keepLast: input.keepLast,
      overlapPolicy: input.overlapPolicy,
      nextFireAt: !input.enabled
        ? null
        : keepNextFireAt !== undefined && keepNextFireAt !== null
          ? keepNextFireAt
          : fire.next(new Date()),
    };
  }

  private record(
    tx: Tx,
    actor: Actor,
    action: string,
    schedule: BackupSchedule,
    details?: Record<string, unknown>,
  ): Promise<void> {
    return this.audit.record(
      {
        actor,
        action,
        target: { type: 'backup_schedule', id: schedule.id },
        workspaceId: schedule.workspaceId,
        tenantId: schedule.tenantId,
        details,
      },
      tx,
    );
  }
}
