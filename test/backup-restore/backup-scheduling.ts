import { randomUUID } from 'node:crypto';
import type { Tenant } from '#libs/tenancy';
import { SIM_CLIENT_SECRET, startAppWithSim, type TestSim } from '../support/graph-sim.js';
import { startAndWait, waitForRun } from '../support/runs.js';
import { createSchedule } from '../support/schedules.js';
import type { TestApp } from '../support/test-app.js';
import type { TestUser, WorkspaceBuilder } from '../support/world.js';

describe('backup-scheduling', () => {
  /** The backup-scheduling API: schedules, manual starts, a schedule's runs, backup sets. */
  let sim: TestSim;
  let t: TestApp;
  let close: () => Promise<void>;
  let workspace: WorkspaceBuilder;
  let owner: TestUser;
  let operator: TestUser;

  beforeAll(async () => {
    ({ sim, t, close } = await startAppWithSim());
    workspace = await t.world.workspace();
    owner = await workspace.member('owner');
    operator = await workspace.member('operator');
  });
  afterAll(() => close?.());

  async function tenant(): Promise<Tenant> {
    const made = await workspace.tenant({ clientSecret: SIM_CLIENT_SECRET });
    await sim.control.sizes(made.entraTenantId, { policies: 2 });
    return made;
  }

  /** The tenant's inventory items of one type, after an inventory sync of that type. */
  async function inventoryItems(made: Tenant, policyType: string): Promise<any[]> {
    const synced = await startAndWait(
      t.http,
      operator.token,
      `/tenants/${made.id}/inventory/sync`,
      {
        policyTypes: [policyType],
      },
    );
    expect(synced.outcome).toBe('succeeded');
    const listed = await t.http.get(
      `/tenants/${made.id}/inventory/items?policyType=${policyType}`,
      {
        token: operator.token,
      },
    );
    return listed.body.items;
  }

  const schedulesOf = (tenantId: string) => `/tenants/${tenantId}/backup-schedules`;

  describe('backup schedules', () => {
    it('are created (201), read, changed and deleted; deletion keeps their runs readable', async () => {
      const { id: tenantId } = await tenant();
      const created = await t.http.post(schedulesOf(tenantId), {
        token: owner.token,
        body: { name: 'Nightly', cron: '30 2 * * *', timezone: 'Europe/Berlin' },
      });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(String),
        workspaceId: workspace.id,
        tenantId,
        name: 'Nightly',
        enabled: true,
        cron: '30 2 * * *',
        timezone: 'Europe/Berlin',
        policyTypes: [],
        keepLast: 10,
        overlapPolicy: 'skip',
        nextFireAt: expect.any(String),
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const id = created.body.id;
      // 02:30 Berlin is 00:30 or 01:30 UTC.
      expect(created.body.nextFireAt).toMatch(/T0[01]:30:00\.000Z$/);

      const patched = await t.http.patch(`${schedulesOf(tenantId)}/${id}`, {
        token: owner.token,
        body: { cron: '0 6 * * 1-5', timezone: 'America/New_York', keepLast: 3 },
      });
      expect(patched.body).toMatchObject({ cron: '0 6 * * 1-5', keepLast: 3 });
      expect(patched.body.nextFireAt).toMatch(/T1[01]:00:00\.000Z$/);
      const list = await t.http.get(schedulesOf(tenantId), { token: operator.token });
      expect(list.body.items.map((s: any) => s.id)).toEqual([id]);

      const run = await t.http.post(`${schedulesOf(tenantId)}/${id}/run`, {
        token: operator.token,
      });
      await waitForRun(t.http, owner.token, run.body.run.id);
      expect(
        (await t.http.delete(`${schedulesOf(tenantId)}/${id}`, { token: owner.token })).status,
      ).toBe(204);
      expect(
        (await t.http.get(`${schedulesOf(tenantId)}/${id}`, { token: owner.token })).status,
      ).toBe(404);
      const kept = await t.http.get(`/operations/${run.body.run.id}`, { token: owner.token });
      expect(kept.body).toMatchObject({ outcome: 'succeeded', context: { scheduleId: id } });
      const audit = await t.db.query(
        `SELECT action FROM audit_log WHERE target_id = $1 ORDER BY id`,
        [id],
      );
      expect(audit.map((a) => a.action)).toEqual([
        'backup_schedule.create',
        'backup_schedule.update',
        'backup_schedule.delete',
      ]);
    });

    it('refuses a bad cron or time zone with 400 naming the field', async () => {
      const { id: tenantId } = await tenant();
      const bad = async (body: object, field: string) => {
        const response = await t.http.post(schedulesOf(tenantId), {
          token: owner.token,
          body: { name: 'x', cron: '0 * * * *', timezone: 'UTC', ...body },
        });
        expect(response.status).toBe(400);
        expect(response.body.errors.map((e: any) => e.field)).toEqual([field]);
      };
      await bad({ cron: '0 * * * * *' }, 'cron');
      await bad({ cron: '61 * * * *' }, 'cron');
      await bad({ cron: '0 0 30 2 *' }, 'cron');
      await bad({ cron: 42 }, 'cron');
      await bad({ timezone: 'Mars/Olympus_Mons' }, 'timezone');
      await bad({ keepLast: 0 }, 'keepLast');
      await bad({ overlapPolicy: 'queue' }, 'overlapPolicy');
      await bad({ policyTypes: ['groups'] }, 'policyTypes');
      const schedule = await createSchedule(t, tenantId, owner.token);
      const patch = await t.http.patch(`${schedulesOf(tenantId)}/${schedule.id}`, {
        token: owner.token,
        body: { timezone: 'Nowhere/City' },
      });
      expect(patch.status).toBe(400);
      expect(patch.body.errors).toEqual([{ field: 'timezone', messages: [expect.any(String)] }]);
    });

    it('need backup.manage to change (403) and membership to see (404)', async () => {
      const { id: tenantId } = await tenant();
      const forbidden = await t.http.post(schedulesOf(tenantId), {
        token: operator.token,
        body: { name: 'x', cron: '0 * * * *', timezone: 'UTC' },
      });
      expect(forbidden.status).toBe(403);
      const stranger = await t.world.user();
      expect((await t.http.get(schedulesOf(tenantId), { token: stranger.token })).status).toBe(404);
      const schedule = await createSchedule(t, tenantId, owner.token);
      const otherTenant = await tenant();
      // A schedule is found only under its own tenant.
      expect(
        (await t.http.get(`${schedulesOf(otherTenant.id)}/${schedule.id}`, { token: owner.token }))
          .status,
      ).toBe(404);
      expect(
        (await t.http.get(`${schedulesOf(tenantId)}/not-a-uuid`, { token: owner.token })).status,
      ).toBe(404);
    });
  });

  describe('manual starts', () => {
    it('run now twice makes two runs; the same Idempotency-Key makes one', async () => {
      const { id: tenantId } = await tenant();
      const schedule = await createSchedule(t, tenantId, owner.token);
      const url = `${schedulesOf(tenantId)}/${schedule.id}/run`;
      const first = await t.http.post(url, { token: operator.token });
      const second = await t.http.post(url, { token: operator.token });
      expect([first.status, second.status]).toEqual([202, 202]);
      expect(first.body.run.id).not.toBe(second.body.run.id);
      expect(first.body.run).toMatchObject({
        type: 'backup_schedule_run',
        identity: { scope: 'per_request' },
        context: { scheduleId: schedule.id, trigger: 'manual' },
        initiator: { userId: operator.id },
      });
      expect(first.headers.get('location')).toBe(`/operations/${first.body.run.id}`);

      const key = randomUUID();
      const keyed = await t.http.post(url, {
        token: operator.token,
        headers: { 'idempotency-key': key },
      });
      const retried = await t.http.post(url, {
        token: operator.token,
        headers: { 'idempotency-key': key },
      });
      expect([keyed.status, retried.status]).toEqual([202, 200]);
      expect(retried.body).toMatchObject({ deduplicated: true, run: { id: keyed.body.run.id } });

      for (const id of [first.body.run.id, second.body.run.id, keyed.body.run.id]) {
        expect((await waitForRun(t.http, owner.token, id)).outcome).toBe('succeeded');
      }
      const runs = await t.http.get(`${schedulesOf(tenantId)}/${schedule.id}/runs`, {
        token: operator.token,
      });
      expect(runs.status).toBe(200);
      expect(runs.body.items.map((r: any) => r.id)).toEqual([
        keyed.body.run.id,
        second.body.run.id,
        first.body.run.id,
      ]);
      const page = await t.http.get(`${schedulesOf(tenantId)}/${schedule.id}/runs?limit=2`, {
        token: operator.token,
      });
      expect(page.body.items).toHaveLength(2);
      expect(page.body.nextCursor).toEqual(expect.any(String));
    });

    it('retry is refused with 409 unless the last run failed, then starts a run naming it', async () => {
      const made = await tenant();
      const schedule = await createSchedule(t, made.id, owner.token);
      const retry = () =>
        t.http.post(`${schedulesOf(made.id)}/${schedule.id}/retry`, { token: operator.token });
      const nothing = await retry();
      expect(nothing.status).toBe(409);
      expect(nothing.body.code).toBe('backup_schedule.nothing_to_retry');

      await sim.control.schedule(made.entraTenantId, {
        status: 403,
        count: 5,
        match: '/deviceManagement',
      });
      const failing = await t.http.post(`${schedulesOf(made.id)}/${schedule.id}/run`, {
        token: operator.token,
      });
      expect(await waitForRun(t.http, owner.token, failing.body.run.id)).toMatchObject({
        outcome: 'failed',
        failures: [{ code: 'graph.forbidden' }],
      });
      await sim.control.clearFaults(made.entraTenantId);
      const retried = await retry();
      expect(retried.status).toBe(202);
      expect(retried.body.run.context).toMatchObject({
        scheduleId: schedule.id,
        retryOf: failing.body.run.id,
        trigger: 'retry',
      });
      expect((await waitForRun(t.http, owner.token, retried.body.run.id)).outcome).toBe(
        'succeeded',
      );
      expect((await retry()).status).toBe(409);
    });
  });

  describe('backup sets', () => {
    it('a backup run makes an immutable set of the policies with content and assignments', async () => {
      const { id: tenantId } = await tenant();
      const schedule = await createSchedule(t, tenantId, owner.token, {
        policyTypes: ['compliance_policy', 'settings_catalog'],
      });
      const started = await t.http.post(`${schedulesOf(tenantId)}/${schedule.id}/run`, {
        token: owner.token,
      });
      const run = await waitForRun(t.http, owner.token, started.body.run.id);
      expect(run).toMatchObject({
        outcome: 'succeeded',
        summaryCounts: { total: 4, succeeded: 4 },
      });
      const set = await t.http.get(`/tenants/${tenantId}/backup-sets/${run.context.backupSetId}`, {
        token: operator.token,
      });
      expect(set.body).toMatchObject({
        scheduleId: schedule.id,
        operationRunId: run.id,
        itemCount: 4,
      });
      expect(set.body.items.map((i: any) => i.policyType).sort()).toEqual([
        'compliance_policy',
        'compliance_policy',
        'settings_catalog',
        'settings_catalog',
      ]);
      const settings = set.body.items.find((i: any) => i.policyType === 'settings_catalog');
      expect(settings.content.settings.length).toBeGreaterThan(0);
      expect(Array.isArray(settings.assignments)).toBe(true);
      expect(settings.contentHash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('a backup run writes its set page by page, shown only once whole; a failed run leaves none', async () => {
      const made = await workspace.tenant({ clientSecret: SIM_CLIENT_SECRET });
      // Settings catalog policies come 25 to a Graph page: two pages, read while the first is written.
      await sim.control.sizes(made.entraTenantId, {
        deviceCompliancePolicies: 2,
        configurationPolicies: 30,
      });
      await sim.control.faults(made.entraTenantId, { latencyMs: 40 });
      const schedule = await createSchedule(t, made.id, owner.token, {
        policyTypes: ['compliance_policy', 'settings_catalog'],
      });
      const setsOfRun = (runId: string): Promise<{ capturing: boolean; items: number }[]> =>
        t.db.query(
          `SELECT s.capturing, count(i.*)::int AS items FROM backup_sets s
           LEFT JOIN backup_set_items i ON i.backup_set_id = s.id
          WHERE s.operation_run_id = $1 GROUP BY s.id`,
          [runId],
        );
      const started = await t.http.post(`${schedulesOf(made.id)}/${schedule.id}/run`, {
        token: owner.token,
      });
      const runId = started.body.run.id;
      let seen = await setsOfRun(runId);
      for (let i = 0; i < 400; i++) {
        seen = await setsOfRun(runId);
        if (seen[0]?.items) break;
        await new Promise((done) => setTimeout(done, 25));
      }
      // Items are in PostgreSQL before the run has captured them all, in a set nobody sees yet.
      expect(seen).toEqual([{ capturing: true, items: expect.any(Number) }]);
      expect(seen[0]!.items).toBeLessThan(32);
      const listed = await t.http.get(`/tenants/${made.id}/backup-sets`, { token: operator.token });
      expect(listed.body.items).toEqual([]);
      const run = await waitForRun(t.http, owner.token, runId);
      expect(run).toMatchObject({
        outcome: 'succeeded',
        summaryCounts: { total: 32, succeeded: 32 },
      });
      expect(await setsOfRun(runId)).toEqual([{ capturing: false, items: 32 }]);
      const set = await t.http.get(`/tenants/${made.id}/backup-sets/${run.context.backupSetId}`, {
        token: operator.token,
      });
      expect(set.body).toMatchObject({ itemCount: 32 });

      // Graph refuses the second type's list once the first type's items are written: the run
      // fails and takes what it wrote with it.
      await sim.control.schedule(made.entraTenantId, {
        status: 403,
        count: 1,
        match: 'configurationPolicies',
      });
      const again = await t.http.post(`${schedulesOf(made.id)}/${schedule.id}/run`, {
        token: owner.token,
      });
      const failed = await waitForRun(t.http, owner.token, again.body.run.id);
      expect(failed).toMatchObject({
        outcome: 'failed',
        summaryCounts: { total: 2, succeeded: 2 },
      });
      expect(await setsOfRun(failed.id)).toEqual([]);
      const after = await t.http.get(`/tenants/${made.id}/backup-sets`, { token: operator.token });
      expect(after.body.items.map((s: any) => s.id)).toEqual([set.body.id]);
    });

    it('backup_set_add_policies captures chosen inventory items, deduplicated while active', async () => {
      const made = await tenant();
      const set = await t.http.post(`/tenants/${made.id}/backup-sets`, {
        token: operator.token,
        body: { name: 'Before the change' },
      });
      expect(set.status).toBe(201);
      expect(set.body).toMatchObject({ itemCount: 0, scheduleId: null });
      expect(
        await t.db.query(`SELECT action, actor_user_id FROM audit_log WHERE target_id = $1`, [
          set.body.id,
        ]),
      ).toEqual([{ action: 'backup_set.create', actor_user_id: operator.id }]);
      // The policies are chosen as inventory items, as for policy_sync: the sim made two per type.
      const [chosen, another] = await Promise.all([
        inventoryItems(made, 'device_configuration'),
        tenant().then((other) => inventoryItems(other, 'compliance_policy')),
      ]);
      expect(chosen).toHaveLength(2);
      const ids = chosen.map((item) => item.id);

      const url = `/tenants/${made.id}/backup-sets/${set.body.id}/policies`;
      const first = await t.http.post(url, {
        token: operator.token,
        body: { policyIds: [ids[1], ids[0]] },
      });
      const again = await t.http.post(url, {
        token: operator.token,
        body: { policyIds: [ids[0].toUpperCase(), ids[1]] },
      });
      expect(first.status).toBe(202);
      expect(first.body.run).toMatchObject({
        type: 'backup_set_add_policies',
        identity: { scope: 'active' },
      });
      // Still active when asked again (same set, same items in any order and case): the same run;
      // once it finished, a new one would be made, which adds nothing.
      if (again.status === 200) expect(again.body.run.id).toBe(first.body.run.id);
      else await waitForRun(t.http, owner.token, again.body.run.id);
      const run = await waitForRun(t.http, owner.token, first.body.run.id);
      expect(run).toMatchObject({
        outcome: 'succeeded',
        context: { backupSetId: set.body.id, policyIds: [...ids].sort() },
        summaryCounts: { total: 2, succeeded: 2, created: 2 },
      });
      const filled = await t.http.get(`/tenants/${made.id}/backup-sets/${set.body.id}`, {
        token: owner.token,
      });
      expect(filled.body.itemCount).toBe(2);
      expect(filled.body.items.map((i: any) => i.policyId).sort()).toEqual(
        chosen.map((item) => item.graphId).sort(),
      );

      // None, not UUIDs, not items, or items of another tenant: a 400 naming the field.
      for (const policyIds of [[], ['no-such-policy'], [randomUUID()], [ids[0], another[0].id]]) {
        const invalid = await t.http.post(url, { token: operator.token, body: { policyIds } });
        expect(invalid.status).toBe(400);
        expect(invalid.body.errors).toEqual([expect.objectContaining({ field: 'policyIds' })]);
      }
    });
  });
});
