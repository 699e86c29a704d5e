import { randomUUID } from 'node:crypto';
import type { Tenant } from '#libs/tenancy';
import { SIM_CLIENT_SECRET, startAppWithSim, type TestSim } from '../support/graph-sim.js';
import { startAndWait, waitForRun } from '../support/runs.js';
import type { TestApp } from '../support/test-app.js';
import type { TestUser, WorkspaceBuilder } from '../support/world.js';

describe('directory', () => {
  let sim: TestSim;
  let t: TestApp;
  let close: () => Promise<void>;
  let workspace: WorkspaceBuilder;
  let operator: TestUser;

  beforeAll(async () => {
    ({ sim, t, close } = await startAppWithSim());
    workspace = await t.world.workspace();
    operator = await workspace.member('operator');
  });
  afterAll(() => close?.());

  const simTenant = () => workspace.tenant({ clientSecret: SIM_CLIENT_SECRET });
  const groupSync = (tenant: Tenant) =>
    startAndWait(t.http, operator.token, `/tenants/${tenant.id}/directory/groups/sync`);
  const roleSync = (tenant: Tenant) =>
    startAndWait(t.http, operator.token, `/tenants/${tenant.id}/directory/role-definitions/sync`);
  const get = async (path: string) => {
    const response = await t.http.get(path, { token: operator.token });
    expect(response.status).toBe(200);
    return response.body;
  };
  const groups = (tenant: Tenant, query = '') =>
    get(`/tenants/${tenant.id}/directory/groups?limit=200${query}`);

  describe('entra_group_sync', () => {
    it('caches every group on the first sync, then applies exactly what changed by delta', async () => {
      const tenant = await simTenant();
      const entra = tenant.entraTenantId;
      const first = await groupSync(tenant);
      expect(first).toMatchObject({
        outcome: 'succeeded',
        context: { mode: 'full' },
        summaryCounts: { total: 250, created: 250, updated: 0, deleted: 0 },
      });
      const page = await groups(tenant);
      expect(page.items).toHaveLength(200);
      const rest = await groups(tenant, `&cursor=${page.nextCursor}`);
      expect(rest.items).toHaveLength(50);
      expect(rest.nextCursor).toBeNull();

      const [renamed, removed] = page.items;
      const added = await sim.control.add(entra, 'groups', {
        displayName: 'Zeta engineers',
        description: 'Added between syncs',
        mailEnabled: false,
        securityEnabled: true,
      });
      await sim.control.update(entra, 'groups', renamed.id, { displayName: 'Alpha renamed' });
      await sim.control.remove(entra, 'groups', removed.id);
      await sim.control.clearRequests(entra);

      const second = await groupSync(tenant);
      expect(second).toMatchObject({
        outcome: 'succeeded',
        context: { mode: 'delta' },
        summaryCounts: { total: 2, created: 1, updated: 1, unchanged: 0, deleted: 1 },
      });
      // One delta page: the delta round asked for the changes only.
      const { requests } = await sim.control.requests(entra);
      expect(requests.filter((r) => r.path.startsWith('/v1.0/groups'))).toHaveLength(1);

      expect(await get(`/tenants/${tenant.id}/directory/groups/${added.id}`)).toMatchObject({
        id: added.id,
        displayName: 'Zeta engineers',
        description: 'Added between syncs',
        lastSeenOperationRunId: second.id,
      });
      expect((await groups(tenant, '&search=alpha')).items).toEqual([
        expect.objectContaining({ id: renamed.id, displayName: 'Alpha renamed' }),
      ]);
      const gone = await t.http.get(`/tenants/${tenant.id}/directory/groups/${removed.id}`, {
        token: operator.token,
      });
      expect(gone.status).toBe(404);
      expect((await groups(tenant)).items).toHaveLength(200);

      // Nothing changed since: an empty delta round.
      const third = await groupSync(tenant);
      expect(third).toMatchObject({
        outcome: 'succeeded',
        summaryCounts: { total: 0, deleted: 0 },
      });
    });

    it('reads everything again when Graph has forgotten the delta link, removing what is gone', async () => {
      const tenant = await simTenant();
      const entra = tenant.entraTenantId;
      await groupSync(tenant);
      const [removed] = (await groups(tenant)).items;
      await sim.control.remove(entra, 'groups', removed.id);
      await sim.control.expireDelta(entra);

      const run = await groupSync(tenant);
      expect(run).toMatchObject({
        outcome: 'succeeded',
        context: { mode: 'full', resynced: true },
        summaryCounts: { total: 249, created: 0, unchanged: 249, deleted: 1 },
      });
    });

    it('searches names by prefix, case-insensitively and with wildcards taken literally', async () => {
      const tenant = await simTenant();
      await groupSync(tenant);
      const search = await groups(tenant, '&search=GROUP%2012');
      expect(search.items.map((g: any) => g.displayName)).toEqual([
        'Group 12',
        'Group 120',
        'Group 121',
        'Group 122',
        'Group 123',
        'Group 124',
        'Group 125',
        'Group 126',
        'Group 127',
        'Group 128',
        'Group 129',
      ]);
      expect((await groups(tenant, '&search=Group%25')).items).toEqual([]);
      expect((await groups(tenant, '&search=Group_1')).items).toEqual([]);
      const base = `/tenants/${tenant.id}/directory/groups?search=group%201&limit=5`;
      const limited = await get(base);
      expect(limited.items).toHaveLength(5);
      const next = await get(`${base}&cursor=${limited.nextCursor}`);
      expect(next.items[0].displayName > limited.items[4].displayName).toBe(true);
    });

    it('deduplicates a second start while the first is active', async () => {
      const tenant = await simTenant();
      await sim.control.faults(tenant.entraTenantId, { latencyMs: 200 });
      const path = `/tenants/${tenant.id}/directory/groups/sync`;
      const first = await t.http.post(path, { token: operator.token, body: {} });
      const second = await t.http.post(path, { token: operator.token, body: {} });
      expect([first.status, second.status]).toEqual([202, 200]);
      expect(second.body.run.id).toBe(first.body.run.id);
      await sim.control.clearFaults(tenant.entraTenantId);
      expect(await waitForRun(t.http, operator.token, first.body.run.id)).toMatchObject({
        outcome: 'succeeded',
      });
    });

    it('completes for a throttled tenant', async () => {
      const tenant = await simTenant();
      await sim.control.schedule(tenant.entraTenantId, {
        status: 429,
        count: 3,
        retryAfter: '0.01',
      });
      const run = await groupSync(tenant);
      expect(run).toMatchObject({ outcome: 'succeeded', summaryCounts: { total: 250 } });
    });
  });

  describe('directory_role_definitions_sync', () => {
    it('caches Entra and Intune role definitions, searchable and labelled from the cache', async () => {
      const tenant = await simTenant();
      const run = await roleSync(tenant);
      expect(run).toMatchObject({
        outcome: 'succeeded',
        summaryCounts: { total: 72, entra: 60, intune: 12, created: 72, deleted: 0 },
      });
      const base = `/tenants/${tenant.id}/directory/role-definitions`;
      const intune = await get(`${base}?source=intune&limit=200`);
      expect(intune.items).toHaveLength(12);
      expect(intune.items[0]).toMatchObject({ source: 'intune', isEnabled: true });
      const search = await get(`${base}?search=directory%20role%205`);
      expect(search.items.map((r: any) => r.displayName)).toEqual([
        'Directory role 5',
        'Directory role 50',
        'Directory role 51',
        'Directory role 52',
        'Directory role 53',
        'Directory role 54',
        'Directory role 55',
        'Directory role 56',
        'Directory role 57',
        'Directory role 58',
        'Directory role 59',
      ]);
      const label = await get(`${base}/${search.items[0].id}`);
      expect(label).toMatchObject({ displayName: 'Directory role 5', source: 'entra' });

      // A role removed in the tenant is removed from the cache by the next sync.
      await sim.control.remove(tenant.entraTenantId, 'entraRoleDefinitions', search.items[0].id);
      const again = await roleSync(tenant);
      expect(again.summaryCounts).toMatchObject({ total: 71, unchanged: 71, deleted: 1 });
      const missing = await t.http.get(`${base}/${search.items[0].id}`, { token: operator.token });
      expect(missing.status).toBe(404);
    });

    it('lands Entra roles when Intune refuses, as partially_succeeded naming the source', async () => {
      const tenant = await simTenant();
      await sim.control.schedule(tenant.entraTenantId, {
        status: 403,
        count: 1,
        match: '/deviceManagement/roleDefinitions',
      });
      const run = await roleSync(tenant);
      expect(run).toMatchObject({
        outcome: 'partially_succeeded',
        summaryCounts: { total: 60, entra: 60 },
        failures: [{ code: 'graph.forbidden', message: expect.stringMatching(/^intune: /) }],
      });
    });
  });

  describe('directory routes', () => {
    it('need directory.sync to start and tenant.view to read; strangers get 404', async () => {
      const tenant = await simTenant();
      const readonly = await workspace.member('readonly');
      for (const kind of ['groups', 'role-definitions']) {
        const path = `/tenants/${tenant.id}/directory/${kind}`;
        expect((await t.http.post(`${path}/sync`, { token: readonly.token })).status).toBe(403);
        expect((await t.http.get(path, { token: readonly.token })).status).toBe(200);
        const stranger = await (await t.world.workspace()).member('owner');
        expect((await t.http.get(path, { token: stranger.token })).status).toBe(404);
        const bad = await t.http.get(`${path}?limit=0&cursor=zz`, { token: operator.token });
        expect(bad.status).toBe(400);
        expect(bad.body.errors.map((e: any) => e.field)).toEqual(['limit']);
        const badCursor = await t.http.get(`${path}?cursor=zz`, { token: operator.token });
        expect(badCursor.body.errors).toEqual([expect.objectContaining({ field: 'cursor' })]);
      }
      const unknown = await t.http.get(`/tenants/${tenant.id}/directory/groups/${randomUUID()}`, {
        token: operator.token,
      });
      expect(unknown.status).toBe(404);
    });
  });
});
