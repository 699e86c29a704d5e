import { Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { TransactionRunner } from '#libs/common/db';
import {
  OperationRunsService,
  type RunType,
  type StartedRun,
  type StartRunRequest,
} from '#libs/operation-runs';
import { dueFire, FireSchedule, type TickSource } from '#libs/scheduling';
import { defaultSyncPlan, SYNC_KIND_NAMES, SYNC_KINDS, type SyncKind } from './sync-plan.js';
import { SyncPlanRepository, type DueEntry } from './sync-plans.repository.js';

/** Plan entries claimed and fired per transaction; tenants given their default plan per tick. */
export const FIRE_BATCH = 500;

/**
 * The scheduler's source of sync runs: the tenants' sync plans, fired as backup schedules are
 * (`BackupScheduleFiring`): each batch, in one transaction, claims up to {@link FIRE_BATCH} due
 * entries (`FOR UPDATE SKIP LOCKED`), starts the latest owed fire of each with a strict identity
 * (tenant + type + fire time: one run per fire, whatever the number of schedulers), and moves
 * `next_fire_at` on. The same fire-time, DST and catch-up rules (`dueFire`).
 *
 * A fire that finds a queued or running run of its type for the tenant (a manual sync, or the
 * previous fire still running) starts nothing: it is reported as deduplicated, with that run.
 * A tenant whose connection verification `failed` is not synced: its fires pass until it
 * verifies again. A deleted tenant's entries stop.
 *
 * Tenants with no plan stored are given their default one, up to {@link FIRE_BATCH} a tick, with
 * fires counted from the tick (or from the tenant's creation, for a clock set in the past).
 */
@Injectable()
export class SyncPlanFiring implements TickSource {
  readonly name = 'sync_plans';
  private readonly logger = new Logger(SyncPlanFiring.name);
  private readonly parsed = new LRUCache<string, FireSchedule>({ max: 5000 });

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly plans: SyncPlanRepository,
    private readonly runs: OperationRunsService,
  ) {}

  async tick(now: Date): Promise<StartedRun[]> {
    const started: StartedRun[] = [];
    for (;;) {
      const batch = await this.fireBatch(now);
      started.push(...batch.started);
      if (batch.claimed < FIRE_BATCH) break;
    }
    await this.planNewTenants(now);
    return started;
  }

  private fireBatch(now: Date): Promise<{ claimed: number; started: StartedRun[] }> {
    return this.transactions.run(async (tx) => {
      const due = await this.plans.claimDue(now, FIRE_BATCH, tx);
      const next: { tenantId: string; kind: SyncKind; nextFireAt: Date | null }[] = [];
      const fires: { entry: DueEntry; fire: Date; missedFires: number }[] = [];
      for (const entry of due) {
        const schedule = entry.tenantLive ? this.fireScheduleOf(entry) : null;
        if (!schedule) {
          next.push({ tenantId: entry.tenantId, kind: entry.kind, nextFireAt: null });
          continue;
        }
        const owed = dueFire(schedule, entry.nextFireAt, now);
        next.push({ tenantId: entry.tenantId, kind: entry.kind, nextFireAt: owed.next });
        if (owed.fire && !entry.connectionFailed) {
          fires.push({ entry, fire: owed.fire, missedFires: owed.missedFires });
        }
      }
      const started = await this.start(fires);
      await this.plans.advance(next, tx);
      if (started.length)
        this.logger.debug({ claimed: due.length, started: started.length }, 'Fired sync plans');
      return { claimed: due.length, started };
    });
  }

  /** Starts the fires' runs, but not where the tenant already has one of that type under way. */
  private async start(
    fires: { entry: DueEntry; fire: Date; missedFires: number }[],
  ): Promise<StartedRun[]> {
    if (!fires.length) return [];
    const active = new Map(
      (
        await this.runs.findActiveOfTenants(
          [...new Set(fires.map(({ entry }) => entry.tenantId))],
          Object.values(SYNC_KINDS),
        )
      ).map((run) => [`${run.tenantId} ${run.type}`, run]),
    );
    const deduplicated: StartedRun[] = [];
    const starts: StartRunRequest<RunType>[] = [];
    for (const { entry, fire, missedFires } of fires) {
      const type = SYNC_KINDS[entry.kind];
      const holder = active.get(`${entry.tenantId} ${type}`);
      if (holder) {
        deduplicated.push({ run: holder, deduplicated: true });
        continue;
      }
      const scheduledFor = fire.toISOString();
      const common = {
        scope: 'strict' as const,
        workspaceId: entry.workspaceId,
        tenantId: entry.tenantId,
        initiator: null,
        context: { syncPlan: entry.kind, missedFires },
      };
      starts.push(
        type === 'inventory_sync'
          ? { ...common, type, inputs: { policyTypes: [], scheduledFor } }
          : { ...common, type, inputs: { scheduledFor } },
      );
    }
    return [...deduplicated, ...(starts.length ? await this.runs.startMany(starts) : [])];
  }

  private async planNewTenants(now: Date): Promise<void> {
    const tenants = await this.plans.tenantsWithoutPlan(FIRE_BATCH);
    const entries = tenants.flatMap((tenant) => {
      const plan = defaultSyncPlan(tenant.id);
      const from = tenant.createdAt > now ? tenant.createdAt : now;
      return SYNC_KIND_NAMES.map((kind) => {
        const timing = plan[kind];
        return {
          tenantId: tenant.id,
          workspaceId: tenant.workspaceId,
          kind,
          ...timing,
          nextFireAt:
            this.fireScheduleOf({ ...timing, tenantId: tenant.id, kind })?.next(from) ?? null,
        };
      });
    });
    await this.plans.insertMissing(entries);
  }

  /** Null (logged) for timing that no longer parses, which stops that entry, not the tick. */
  private fireScheduleOf(entry: {
    tenantId: string;
    kind: SyncKind;
    cron: string;
    timezone: string;
  }): FireSchedule | null {
    const key = `${entry.timezone} ${entry.cron}`;
    let parsed = this.parsed.get(key);
    if (!parsed) {
      try {
        parsed = FireSchedule.parse(entry.cron, entry.timezone);
      } catch (error) {
        this.logger.error(
          { tenantId: entry.tenantId, kind: entry.kind, err: error },
          'Stored sync plan timing does not parse; that sync stops until the plan is changed',
        );
        return null;
      }
      this.parsed.set(key, parsed);
    }
    return parsed;
  }
}
