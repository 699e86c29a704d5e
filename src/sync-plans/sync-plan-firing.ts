import { Injectable, Logger } from '@nestjs/common';
import { TransactionRunner } from '#libs/common/db';
import {
  OperationRunsService,
  type RunType,
  type StartedRun,
  type StartRunRequest,
} from '#libs/operation-runs';
import { BatchFiring, FIRE_BATCH, type OwedFire, type TickSource } from '#libs/scheduling';
import { defaultSyncPlan, SYNC_KIND_NAMES, SYNC_KINDS } from './sync-plan.js';
import { SyncPlanRepository, type DueEntry } from './sync-plans.repository.js';

/**
 * The scheduler's source of sync runs: the tenants' sync plans, fired by the shared
 * {@link BatchFiring} as backup schedules are (claimed in batches, the latest owed fire of each
 * started, `next_fire_at` moved on; the same fire-time, DST and catch-up rules). A fire's run has
 * the strict identity tenant + type + fire time: one run per fire, whatever the number of
 * schedulers.
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
  private readonly firing: BatchFiring<DueEntry>;

  constructor(
    transactions: TransactionRunner,
    private readonly plans: SyncPlanRepository,
    private readonly runs: OperationRunsService,
  ) {
    this.firing = new BatchFiring(transactions, {
      logger: this.logger,
      messages: {
        fired: 'Fired sync plans',
        unparsable:
          'Stored sync plan timing does not parse; that sync stops until the plan is changed',
      },
      describe: (entry) => ({ tenantId: entry.tenantId, kind: entry.kind }),
      claimDue: (now, limit, tx) => this.plans.claimDue(now, limit, tx),
      advance: (next, tx) =>
        this.plans.advance(
          next.map(({ entry, nextFireAt }) => ({
            tenantId: entry.tenantId,
            kind: entry.kind,
            nextFireAt,
          })),
          tx,
        ),
      firesNow: (entry) => !entry.connectionFailed,
      start: (fires) => this.start(fires),
    });
  }

  async tick(now: Date): Promise<StartedRun[]> {
    const started = await this.firing.fireDue(now);
    await this.planNewTenants(now);
    return started;
  }

  /** Starts the fires' runs, but not where the tenant already has one of that type under way. */
  private async start(fires: OwedFire<DueEntry>[]): Promise<StartedRun[]> {
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
            this.firing.scheduleOf(timing, () => ({ tenantId: tenant.id, kind }))?.next(from) ??
            null,
        };
      });
    });
    await this.plans.insertMissing(entries);
  }
}
