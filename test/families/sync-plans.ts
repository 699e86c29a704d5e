import { OperationRunsService } from '#libs/operation-runs';
import { CLI_ACTOR, TenantsService, type Tenant } from '#libs/tenancy';
import { SchedulerService } from '../../src/scheduler/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import type { TestUser, WorkspaceBuilder } from '../support/world.js';

/**
 * Tenants' sync plans, fired by the scheduler with an explicit clock. No worker runs here: each
 * test cancels the runs its ticks made (a queued run is cancelled at once), so that the next fire
 * of a sync finds nothing under way. A tick fires every tenant of the database: each test looks
 * at its own tenants' runs only.
 */
describe('sync-plans', () => {
  let t: TestApp;
  let workspace: WorkspaceBuilder;
  let owner: TestUser;

  const MINUTE = 60_000;
  const HOUR = 60 * MINUTE;
  const SYNC_TYPES = ['inventory_sync', 'entra_group_sync', 'directory_role_definitions_sync'];

  beforeAll(async () => {
    t = await startTestApp({ APP_ROLES: 'api' });
  });
  afterAll(() => t?.close());

  beforeEach(async () => {
    workspace = await t.world.workspace();
    owner = await workspace.member('owner');
  });

  interface FiredRun {
    id: string;
    tenantId: string;
    type: string;
    scheduledFor: string;
    missedFires: number;
    identityScope: string;
    initiatorName: string | null;
  }

  /**
   * One tick at `at`: the sync runs it made for these tenants (then cancelled), and how many starts
   * it reported as deduplicated.
   */
  async function tick(
    at: number,
    tenants: Tenant[],
  ): Promise<{ runs: FiredRun[]; deduplicated: number }> {
    const report = await t.app.get(SchedulerService).tick(new Date(at));
    const ids = report.created.map((run) => run.id);
    const runs = await t.db.query<FiredRun>(
      `SELECT id, tenant_id AS "tenantId", type, context ->> 'scheduledFor' AS "scheduledFor",
            (context ->> 'missedFires')::int AS "missedFires", identity_scope AS "identityScope",
            initiator_name AS "initiatorName"
       FROM operation_runs WHERE id = ANY($1) AND tenant_id = ANY($2) ORDER BY id`,
      [ids, tenants.map((tenant) => tenant.id)],
    );
    for (const run of runs) await t.app.get(OperationRunsService).cancel(run.id, CLI_ACTOR);
    return { runs, deduplicated: report.deduplicated };
  }

  /** Ticks every `stepMinutes` over (`from`, `until`], gathering what they made. */
  async function ticks(
    from: number,
    until: number,
    tenants: Tenant[],
    stepMinutes = 10,
  ): Promise<FiredRun[]> {
    const runs: FiredRun[] = [];
    for (let at = from + stepMinutes * MINUTE; at <= until; at += stepMinutes * MINUTE) {
      runs.push(...(await tick(at, tenants)).runs);
    }
    return runs;
  }

  /** A UTC midnight at least a day after now: the tests' days lie after their tenants' creation. */
  function comingDay(daysAhead = 2): number {
    const now = new Date();
    return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + daysAhead);
  }

  /** The fire instants of a plan's `m h[,h…] * * *` (UTC) cron over (`day`, `day` + 24 h]. */
  function firesOf(cron: string, day: number): string[] {
    const [minute, hours] = cron.split(' ');
    return hours!
      .split(',')
      .map((hour) => day + Number(hour) * HOUR + Number(minute) * MINUTE)
      .map((at) => (at === day ? at + 24 * HOUR : at))
      .sort((a, b) => a - b)
      .map((at) => new Date(at).toISOString());
  }

  const plan = async (tenant: Tenant, token = owner.token) =>
    t.http.get(`/tenants/${tenant.id}/sync-plan`, { token });
  const putPlan = (tenant: Tenant, body: unknown, token = owner.token) =>
    t.http.request('PUT', `/tenants/${tenant.id}/sync-plan`, { token, body });

  /** Makes the tenant's planned syncs owe their fires from `from` on (the plan was set at the real now). */
  async function oweFrom(tenant: Tenant, from: number): Promise<void> {
    await t.db.query(
      `UPDATE sync_plan_entries SET next_fire_at = $2 WHERE tenant_id = $1 AND enabled`,
      [tenant.id, new Date(from)],
    );
  }

  describe('the default plan', () => {
    it('makes exactly the planned runs over a day, at times spread across tenants', async () => {
      const tenants = await Promise.all([1, 2, 3].map(() => workspace.tenant()));
      const plans = await Promise.all(tenants.map(async (tenant) => (await plan(tenant)).body));
      for (const p of plans) {
        expect(p.directoryGroups).toMatchObject({ enabled: true, timezone: 'UTC' });
        expect(p.directoryGroups.cron.split(' ')[1].split(',')).toHaveLength(4);
        expect(p.inventory.cron).toMatch(/^\d+ \d+ \* \* \*$/);
        expect(p.roleDefinitions.cron).toMatch(/^\d+ \d+ \* \* \*$/);
      }
      const day = comingDay();
      // The first tick meets these tenants and gives them their plan, counting fires from then on.
      expect((await tick(day, tenants)).runs).toEqual([]);
      const runs = await ticks(day, day + 24 * HOUR, tenants);

      for (const [i, tenant] of tenants.entries()) {
        const own = runs.filter((run) => run.tenantId === tenant.id);
        const of = (type: string) =>
          own
            .filter((run) => run.type === type)
            .map((run) => run.scheduledFor)
            .sort();
        expect(of('entra_group_sync')).toEqual(firesOf(plans[i].directoryGroups.cron, day));
        expect(of('inventory_sync')).toEqual(firesOf(plans[i].inventory.cron, day));
        expect(of('directory_role_definitions_sync')).toEqual(
          firesOf(plans[i].roleDefinitions.cron, day),
        );
        expect(own).toHaveLength(6);
        for (const run of own) {
          expect(run).toMatchObject({
            identityScope: 'strict',
            initiatorName: null,
            missedFires: 0,
          });
        }
      }
      // Spread: the tenants' daily syncs do not all fall at one time (nor at midnight).
      const inventoryTimes = new Set(
        runs.filter((run) => run.type === 'inventory_sync').map((run) => run.scheduledFor),
      );
      expect(inventoryTimes.size).toBeGreaterThan(1);

      // A second scheduler, or one that died before moving the plan on, makes nothing new: one
      // run per fire (strict identity).
      const [first] = tenants;
      const inventory = runs.find(
        (run) => run.tenantId === first!.id && run.type === 'inventory_sync',
      )!;
      await oweFrom(first!, Date.parse(inventory.scheduledFor));
      const again = await tick(Date.parse(inventory.scheduledFor) + MINUTE, [first!]);
      expect(again.runs).toEqual([]);
      expect(again.deduplicated).toBeGreaterThanOrEqual(1);
    });

    it('records a fire whose sync is already under way as deduplicated, and queues nothing twice', async () => {
      const tenant = await workspace.tenant();
      const day = comingDay(3);
      await tick(day, [tenant]);
      const manual = await t.http.post(`/tenants/${tenant.id}/directory/groups/sync`, {
        token: owner.token,
      });
      expect(manual.status).toBe(202);
      const groupsCron = (await plan(tenant)).body.directoryGroups.cron;
      const fire = Date.parse(firesOf(groupsCron, day)[0]!);
      const report = await t.app.get(SchedulerService).tick(new Date(fire + MINUTE));
      expect(report.deduplicated).toBeGreaterThanOrEqual(1);
      const groupRuns = await t.db.query(
        `SELECT id FROM operation_runs WHERE tenant_id = $1 AND type = 'entra_group_sync'`,
        [tenant.id],
      );
      expect(groupRuns.map((row: any) => row.id)).toEqual([manual.body.run.id]);
      // The plan moved on: the next fire is owed as usual.
      expect(Date.parse((await plan(tenant)).body.directoryGroups.nextFireAt)).toBeGreaterThan(
        fire,
      );
      await t.app.get(OperationRunsService).cancel(manual.body.run.id, CLI_ACTOR);
    });
  });

  describe('changing the plan', () => {
    it('fires once on DST days: the skipped 02:30 shifted to 03:30, the doubled one at its first occurrence', async () => {
      const tenant = await workspace.tenant();
      const changed = await putPlan(tenant, {
        inventory: { cron: '30 2 * * *', timezone: 'Europe/Berlin' },
        directoryGroups: { enabled: false },
        roleDefinitions: { enabled: false },
      });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({
        inventory: { enabled: true, cron: '30 2 * * *', timezone: 'Europe/Berlin' },
        directoryGroups: { enabled: false, nextFireAt: null },
        roleDefinitions: { enabled: false, nextFireAt: null },
      });

      const spring = Date.parse('2027-03-27T00:00:00Z');
      await oweFrom(tenant, spring);
      const springRuns = await ticks(spring, spring + 48 * HOUR, [tenant], 60);
      expect(springRuns.map((run) => [run.type, run.scheduledFor, run.missedFires])).toEqual([
        ['inventory_sync', '2027-03-27T01:30:00.000Z', 0], // 02:30 CET
        ['inventory_sync', '2027-03-28T01:30:00.000Z', 0], // 02:30 does not exist: 03:30 CEST
      ]);

      const autumn = Date.parse('2027-10-30T00:00:00Z');
      await oweFrom(tenant, autumn);
      const autumnRuns = await ticks(autumn, autumn + 48 * HOUR, [tenant], 60);
      expect(autumnRuns.map((run) => run.scheduledFor)).toEqual([
        '2027-10-30T00:30:00.000Z', // 02:30 CEST
        '2027-10-31T00:30:00.000Z', // 02:30 occurs twice: the first (CEST), once
      ]);
    });

    it('after downtime runs only the latest owed fire and counts the others', async () => {
      const tenant = await workspace.tenant();
      await putPlan(tenant, {
        inventory: { enabled: false },
        directoryGroups: { cron: '0 */6 * * *' },
        roleDefinitions: { enabled: false },
      });
      const from = Date.parse('2027-05-01T00:00:00Z');
      await oweFrom(tenant, from);
      const { runs } = await tick(from + 24 * HOUR + 30 * MINUTE, [tenant]);
      expect(runs.map((run) => [run.type, run.scheduledFor, run.missedFires])).toEqual([
        ['entra_group_sync', '2027-05-02T00:00:00.000Z', 4],
      ]);
    });

    it('disabled syncs make no runs', async () => {
      const tenant = await workspace.tenant();
      const off = { enabled: false };
      const changed = await putPlan(tenant, {
        inventory: off,
        directoryGroups: off,
        roleDefinitions: off,
      });
      expect(changed.status).toBe(200);
      for (const kind of ['inventory', 'directoryGroups', 'roleDefinitions']) {
        expect(changed.body[kind]).toMatchObject({ enabled: false, nextFireAt: null });
      }
      const day = comingDay(4);
      expect(await ticks(day, day + 24 * HOUR, [tenant], 30)).toEqual([]);
    });

    it('is refused with a 400 naming the field, needs tenant.manage, and is audited', async () => {
      const tenant = await workspace.tenant();
      const badCron = await putPlan(tenant, { inventory: { cron: '61 * * * *' } });
      expect(badCron.status).toBe(400);
      expect(badCron.body.errors.map((e: any) => e.field)).toEqual(['inventory.cron']);
      const badZone = await putPlan(tenant, { directoryGroups: { timezone: 'Mars/Olympus_Mons' } });
      expect(badZone.status).toBe(400);
      expect(badZone.body.errors.map((e: any) => e.field)).toEqual(['directoryGroups.timezone']);
      const badType = await putPlan(tenant, { roleDefinitions: { enabled: 'yes' } });
      expect(badType.status).toBe(400);
      expect(JSON.stringify(badType.body.errors)).toContain('enabled');
      expect((await putPlan(tenant, {})).status).toBe(400);

      const operator = await workspace.member('operator');
      expect((await plan(tenant, operator.token)).status).toBe(403);
      expect(
        (await putPlan(tenant, { inventory: { enabled: false } }, operator.token)).status,
      ).toBe(403);
      const outsider = await t.world.user();
      expect((await plan(tenant, outsider.token)).status).toBe(404);
      const stored = await t.db.query('SELECT kind FROM sync_plan_entries WHERE tenant_id = $1', [
        tenant.id,
      ]);
      expect(stored).toEqual([]);

      expect((await putPlan(tenant, { inventory: { cron: '15 4 * * *' } })).status).toBe(200);
      const audit = await t.db.query(
        `SELECT action, details FROM audit_log WHERE tenant_id = $1 AND action = 'sync_plan.update'`,
        [tenant.id],
      );
      expect(audit).toEqual([
        { action: 'sync_plan.update', details: { fields: ['inventory.cron'] } },
      ]);
    });
  });

  describe('a tenant whose connection failed', () => {
    it('is not synced until it verifies again', async () => {
      const tenant = await workspace.tenant();
      const tenants = t.app.get(TenantsService);
      const { credentialsChangedAt } = await tenants.get(tenant.id);
      const record = (status: 'failed' | 'verified') =>
        tenants.recordConnection(tenant.id, credentialsChangedAt, {
          status,
          checkedAt: new Date(),
          runId: null as unknown as string,
          missingPermissions: [],
        });
      expect(await record('failed')).toBe(true);
      const day = comingDay(5);
      await tick(day, [tenant]);
      expect(await ticks(day, day + 24 * HOUR, [tenant], 30)).toEqual([]);

      expect(await record('verified')).toBe(true);
      const next = await ticks(day + 24 * HOUR, day + 48 * HOUR, [tenant], 30);
      expect(next.map((run) => run.type).sort()).toEqual(
        [
          'directory_role_definitions_sync',
          'entra_group_sync',
          'entra_group_sync',
          'entra_group_sync',
          'entra_group_sync',
          'inventory_sync',
        ].sort(),
      );
      expect(SYNC_TYPES).toEqual(expect.arrayContaining([...new Set(next.map((run) => run.type))]));
    });
  });
});
