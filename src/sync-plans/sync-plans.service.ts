import { Injectable } from '@nestjs/common';
import type { RecordScope } from '#libs/authz';
import { TransactionRunner } from '#libs/common/db';
import { CommonError, CommonErrorCode } from '#libs/common/errors';
import { FireSchedule, FireScheduleError } from '#libs/scheduling';
import { AuditService, TenantsService, type Actor } from '#libs/tenancy';
import {
  defaultSyncPlan,
  SYNC_KIND_NAMES,
  type SyncKind,
  type SyncPlanTiming,
} from './sync-plan.js';
import { SyncPlanRepository, type SyncPlanEntry } from './sync-plans.repository.js';

/** One sync of the plan as the API shows it: its timing and its next fire. */
export interface SyncPlanEntryView extends SyncPlanTiming {
  nextFireAt: Date | null;
}

export type SyncPlanView = Record<SyncKind, SyncPlanEntryView>;

export type SyncPlanChanges = Partial<Record<SyncKind, Partial<SyncPlanTiming>>>;

/** Parses one entry's timing; a bad cron or zone is a 400 naming `<kind>.cron` / `<kind>.timezone`. */
export function fireScheduleOf(kind: SyncKind, timing: SyncPlanTiming): FireSchedule {
  try {
    return FireSchedule.parse(timing.cron, timing.timezone);
  } catch (error) {
    if (!(error instanceof FireScheduleError)) throw error;
    const field = `${kind}.${error.field}`;
    throw new CommonError(CommonErrorCode.Validation, `Invalid request: ${field}.`, [
      { field, messages: [error.message] },
    ]);
  }
}

/** Each tenant's sync plan: its defaults, reads and changes (the scheduler fires it). */
@Injectable()
export class SyncPlansService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly plans: SyncPlanRepository,
    private readonly tenants: TenantsService,
    private readonly audit: AuditService,
  ) {}

  /** The tenant's plan: what is stored, and the default for what is not (yet). */
  async get(scope: RecordScope, now = new Date()): Promise<SyncPlanView> {
    return this.view(scope.tenantId!, await this.plans.listByTenant(scope.tenantId!), now);
  }

  /**
   * Changes the plan: the kinds and fields named, the others as they were. A changed timing (or
   * `enabled`) counts fires from now; fires owed before it are dropped, as for backup schedules.
   */
  async update(
    scope: RecordScope,
    changes: SyncPlanChanges,
    actor: Actor,
    now = new Date(),
  ): Promise<SyncPlanView> {
    const changed = SYNC_KIND_NAMES.flatMap((kind) =>
      Object.keys(changes[kind] ?? {}).map((field) => `${kind}.${field}`),
    );
    if (!changed.length) {
      throw new CommonError(CommonErrorCode.Validation, 'Name at least one field to change.');
    }
    const tenantId = scope.tenantId!;
    // The tenant must still be there (404 otherwise) before a plan is written for it.
    const tenant = await this.tenants.get(tenantId);
    return this.transactions.run(async (tx) => {
      const stored = new Map(
        (await this.plans.lockByTenant(tenantId, tx)).map((entry) => [entry.kind, entry]),
      );
      const defaults = defaultSyncPlan(tenantId);
      const entries = SYNC_KIND_NAMES.map((kind) => {
        const current = stored.get(kind);
        const timing = { ...(current ?? defaults[kind]), ...changes[kind] };
        const schedule = fireScheduleOf(kind, timing);
        const sameTiming =
          current &&
          current.enabled === timing.enabled &&
          current.cron === timing.cron &&
          current.timezone === schedule.timezone;
        return {
          tenantId,
          workspaceId: tenant.workspaceId,
          kind,
          enabled: timing.enabled,
          cron: schedule.cron,
          timezone: schedule.timezone,
          nextFireAt: sameTiming ? current.nextFireAt : timing.enabled ? schedule.next(now) : null,
        };
      });
      const saved = await this.plans.upsert(entries, tx);
      await this.audit.record(
        {
          actor,
          action: 'sync_plan.update',
          target: { type: 'tenant', id: tenantId },
          workspaceId: tenant.workspaceId,
          tenantId,
          details: { fields: changed.sort() },
        },
        tx,
      );
      return this.view(tenantId, saved, now);
    });
  }

  private view(tenantId: string, stored: SyncPlanEntry[], now: Date): SyncPlanView {
    const defaults = defaultSyncPlan(tenantId);
    const byKind = new Map(stored.map((entry) => [entry.kind, entry]));
    return Object.fromEntries(
      SYNC_KIND_NAMES.map((kind) => {
        const entry = byKind.get(kind);
        if (entry) {
          const { enabled, cron, timezone, nextFireAt } = entry;
          return [kind, { enabled, cron, timezone, nextFireAt }];
        }
        const timing = defaults[kind];
        return [kind, { ...timing, nextFireAt: fireScheduleOf(kind, timing).next(now) }];
      }),
    ) as SyncPlanView;
  }
}
