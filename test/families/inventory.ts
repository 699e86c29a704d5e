import { randomUUID } from 'node:crypto';
import type { Tenant } from '#libs/tenancy';
import { SIM_CLIENT_SECRET, startAppWithSim, type TestSim } from '../support/graph-sim.js';
import { startAndWait, waitForRun } from '../support/runs.js';
import type { TestApp } from '../support/test-app.js';
import type { TestUser, WorkspaceBuilder } from '../support/world.js';

describe('inventory', () => {
  let sim: TestSim;
  let t: TestApp;
  let close: () => Promise<void>;
  let workspace: WorkspaceBuilder;
  let operator: TestUser;

  // Sim default sizes per policy type (libs/graph-sim/sim-data.ts).
  const SIZES = {
    device_configuration: 30,
    settings_catalog: 30,
    compliance_policy: 12,
    administrative_template: 12,
    ios_app_protection: 6,
    android_app_protection: 6,
    enrollment_configuration: 8,
  };
  const ALL = Object.values(SIZES).reduce((a, b) => a + b, 0);

  beforeAll(async () => {
    ({ sim, t, close } = await startAppWithSim({ GRAPH_MAX_ATTEMPTS: '8' }));
    workspace = await t.world.workspace();
    operator = await workspace.member('operator');
  });
  afterAll(() => close?.());

  const simTenant = () => workspace.tenant({ clientSecret: SIM_CLIENT_SECRET });
  const inventorySync = (tenant: Tenant, body: unknown = {}) =>
    startAndWait(t.http, operator.token, `/tenants/${tenant.id}/inventory/sync`, body);
  const policySync = (tenant: Tenant, body: unknown = {}) =>
    startAndWait(t.http, operator.token, `/tenants/${tenant.id}/inventory/policies/sync`, body);

  async function items(tenant: Tenant, query = '') {
    const response = await t.http.get(`/tenants/${tenant.id}/inventory/items?limit=200${query}`, {
      token: operator.token,
    });
    expect(response.status).toBe(200);
    return response.body.items as any[];
  }

  describe('inventory_sync', () => {
    it('lists every policy type, stores each item once and counts per type', async () => {
      const tenant = await simTenant();
      const run = await inventorySync(tenant);
      expect(run).toMatchObject({
        type: 'inventory_sync',
        outcome: 'succeeded',
        summaryCounts: {
          total: ALL,
          succeeded: ALL,
          created: ALL,
          updated: 0,
          unchanged: 0,
          deleted: 0,
          typesSucceeded: 7,
          ...SIZES,
        },
        context: { policyTypes: Object.keys(SIZES).sort() },
      });

      const listed = await items(tenant);
      expect(listed).toHaveLength(ALL);
      expect(listed[0]).toMatchObject({
        policyType: expect.any(String),
        graphId: expect.any(String),
        displayName: expect.any(String),
        contentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        lastSeenOperationRunId: run.id,
        deletedAt: null,
      });
      const catalog = await items(tenant, '&policyType=settings_catalog');
      expect(catalog).toHaveLength(30);
      expect(catalog.every((item) => item.platform && item.lastModifiedAt)).toBe(true);
      // Device configurations of several platforms, told apart by their @odata.type.
      const generated = sim.tenant(tenant.entraTenantId).items('deviceConfigurations');
      const onWindows = generated
        .filter((item) => String(item['@odata.type']).startsWith('#microsoft.graph.windows'))
        .map((item) => item.id)
        .sort();
      expect(onWindows.length).toBeGreaterThan(0);
      expect(onWindows.length).toBeLessThan(30);
      const windows = await items(tenant, '&policyType=device_configuration&platform=windows');
      expect(windows.map((item) => item.graphId).sort()).toEqual(onWindows);
      for (const platform of ['iOS', 'macOS', 'android']) {
        const others = await items(tenant, `&policyType=device_configuration&platform=${platform}`);
        expect(others.length).toBeGreaterThan(0);
      }

      // Keyset pages: 104 items in pages of 50, in name order, none twice.
      const seen: string[] = [];
      let cursor: string | null = '';
      while (cursor !== null) {
        const path: string = `/tenants/${tenant.id}/inventory/items?limit=50${cursor ? `&cursor=${cursor}` : ''}`;
        const page: any = await t.http.get(path, { token: operator.token });
        seen.push(...page.body.items.map((item: any) => item.id));
        cursor = page.body.nextCursor;
      }
      expect(seen).toEqual(listed.map((item) => item.id));
      const search = await items(tenant, '&search=SETTINGS%20catalog%201');
      expect(search.map((item) => item.displayName)).toEqual(
        expect.arrayContaining(['Settings catalog 1', 'Settings catalog 10']),
      );
      expect(search.every((item) => item.displayName.startsWith('Settings catalog 1'))).toBe(true);

      // A second sync of the same tenant changes nothing.
      const again = await inventorySync(tenant);
      expect(again.summaryCounts).toMatchObject({
        total: ALL,
        created: 0,
        updated: 0,
        unchanged: ALL,
      });
    });

    it('syncs only the selected types, and a second start while one is active is the same run', async () => {
      const tenant = await simTenant();
      await sim.control.faults(tenant.entraTenantId, { latencyMs: 300 });
      const path = `/tenants/${tenant.id}/inventory/sync`;
      const body = { policyTypes: ['settings_catalog', 'compliance_policy'] };
      const first = await t.http.post(path, { token: operator.token, body });
      const second = await t.http.post(path, {
        token: operator.token,
        body: { policyTypes: ['compliance_policy', 'settings_catalog'] },
      });
      expect(first.status).toBe(202);
      expect(first.headers.get('location')).toBe(`/operations/${first.body.run.id}`);
      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({ deduplicated: true, run: { id: first.body.run.id } });
      await sim.control.clearFaults(tenant.entraTenantId);

      const run = await waitForRun(t.http, operator.token, first.body.run.id);
      expect(run).toMatchObject({
        outcome: 'succeeded',
        summaryCounts: { total: 42, settings_catalog: 30, compliance_policy: 12 },
      });
      expect(await items(tenant)).toHaveLength(42);
    });

    it('marks items missing from a complete sync as deleted, and lists them apart', async () => {
      const tenant = await simTenant();
      await inventorySync(tenant);
      const [gone] = await items(tenant, '&policyType=ios_app_protection');
      await sim.control.remove(tenant.entraTenantId, 'iosManagedAppProtections', gone.graphId);

      const run = await inventorySync(tenant);
      expect(run.summaryCounts).toMatchObject({ total: ALL - 1, deleted: 1 });
      expect((await items(tenant)).map((item) => item.id)).not.toContain(gone.id);
      const deleted = await items(tenant, '&deleted=true');
      expect(deleted).toEqual([
        expect.objectContaining({ id: gone.id, deletedAt: expect.any(String) }),
      ]);
      expect(await items(tenant, '&deleted=any')).toHaveLength(ALL);
    });

    it('lands the other types when one fails, as partially_succeeded naming that type, and deletes nothing', async () => {
      const tenant = await simTenant();
      await inventorySync(tenant);
      const [gone] = await items(tenant, '&policyType=device_configuration');
      await sim.control.remove(tenant.entraTenantId, 'deviceConfigurations', gone.graphId);
      const renamed = (await items(tenant, '&policyType=enrollment_configuration'))[0];
      await sim.control.update(
        tenant.entraTenantId,
        'deviceEnrollmentConfigurations',
        renamed.graphId,
        {
          displayName: 'Renamed enrollment',
        },
      );
      await sim.control.schedule(tenant.entraTenantId, {
        status: 403,
        count: 1,
        match: '/deviceCompliancePolicies',
      });

      const run = await inventorySync(tenant);
      expect(run).toMatchObject({
        outcome: 'partially_succeeded',
        failures: [
          {
            code: 'graph.forbidden',
            message: expect.stringMatching(/^compliance_policy: listing Compliance policy failed/),
          },
        ],
        summaryCounts: { typesSucceeded: 6, typesFailed: 1, updated: 1 },
      });
      expect(run.summaryCounts.compliance_policy).toBeUndefined();
      // Never deleted on a partial sync; the rename landed.
      expect((await items(tenant)).map((item) => item.id)).toContain(gone.id);
      expect(await items(tenant, '&search=renamed')).toEqual([
        expect.objectContaining({ id: renamed.id, displayName: 'Renamed enrollment' }),
      ]);
    });

    it('completes for a throttled tenant, waiting out every Retry-After', async () => {
      const tenant = await simTenant();
      // Three 429s for certain, then about one request in three.
      await sim.control.schedule(tenant.entraTenantId, {
        status: 429,
        count: 3,
        retryAfter: '0.01',
      });
      await sim.control.faults(tenant.entraTenantId, {
        throttleProbability: 0.3,
        retryAfter: '0.01',
      });
      const run = await inventorySync(tenant);
      await sim.control.clearFaults(tenant.entraTenantId);
      expect(run).toMatchObject({ outcome: 'succeeded', summaryCounts: { total: ALL } });
      const { requests } = await sim.control.requests(tenant.entraTenantId);
      expect(requests.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(3);
    });

    it('fails at once as graph.unauthorized when the tenant credentials are refused', async () => {
      const tenant = await workspace.tenant();
      const run = await inventorySync(tenant);
      expect(run).toMatchObject({
        outcome: 'failed',
        attempts: 1,
        failures: [{ code: 'graph.unauthorized' }],
      });
    });
  });

  describe('policy_sync', () => {
    it('captures content and assignments as versions, and an unchanged policy creates none', async () => {
      const tenant = await simTenant();
      await inventorySync(tenant);
      const [catalog] = await items(tenant, '&policyType=settings_catalog');
      const [template] = await items(tenant, '&policyType=administrative_template');
      const [compliance] = await items(tenant, '&policyType=compliance_policy');
      const policyIds = [catalog.id, template.id, compliance.id];

      const run = await policySync(tenant, { policyIds });
      expect(run).toMatchObject({
        outcome: 'succeeded',
        summaryCounts: { total: 3, succeeded: 3, created: 3, unchanged: 0 },
        context: { policyIds: [...policyIds].sort() },
      });

      const detail = await t.http.get(`/tenants/${tenant.id}/inventory/items/${catalog.id}`, {
        token: operator.token,
      });
      expect(detail.status).toBe(200);
      expect(detail.body.versions).toEqual([
        expect.objectContaining({
          versionNumber: 1,
          operationRunId: run.id,
          inventoryItemId: catalog.id,
        }),
      ]);
      const version = await t.http.get(
        `/tenants/${tenant.id}/inventory/versions/${detail.body.versions[0].id}`,
        { token: operator.token },
      );
      expect(version.body.content.properties).toMatchObject({
        id: catalog.graphId,
        name: catalog.displayName,
      });
      expect(version.body.content.settings.length).toBeGreaterThan(0);
      expect(Array.isArray(version.body.assignments)).toBe(true);

      const versionOf = async (item: any) => {
        const page = await t.http.get(
          `/tenants/${tenant.id}/inventory/versions?itemId=${item.id}`,
          {
            token: operator.token,
          },
        );
        return (
          await t.http.get(`/tenants/${tenant.id}/inventory/versions/${page.body.items[0].id}`, {
            token: operator.token,
          })
        ).body;
      };
      expect((await versionOf(template)).content.definitionValues[0].definition).toBeDefined();
      expect((await versionOf(compliance)).content.properties.scheduledActionsForRule).toHaveLength(
        1,
      );

      // Nothing changed: no new version. Then one policy is edited: exactly one new version.
      const unchanged = await policySync(tenant, { policyIds });
      expect(unchanged.summaryCounts).toMatchObject({ succeeded: 3, created: 0, unchanged: 3 });
      await sim.control.update(tenant.entraTenantId, 'configurationPolicies', catalog.graphId, {
        description: 'Edited between captures',
      });
      const edited = await policySync(tenant, { policyIds });
      expect(edited.summaryCounts).toMatchObject({ created: 1, unchanged: 2 });
      const versions = await t.http.get(
        `/tenants/${tenant.id}/inventory/versions?itemId=${catalog.id}`,
        {
          token: operator.token,
        },
      );
      expect(versions.body.items.map((v: any) => v.versionNumber)).toEqual([2, 1]);
      expect(versions.body.items[0].contentHash).not.toBe(versions.body.items[1].contentHash);
    });

    it('captures every live item when none is selected, reporting a policy gone from Graph', async () => {
      const tenant = await simTenant();
      await inventorySync(tenant, {
        policyTypes: ['android_app_protection', 'enrollment_configuration'],
      });
      const [gone] = await items(tenant, '&policyType=android_app_protection');
      await sim.control.remove(tenant.entraTenantId, 'androidManagedAppProtections', gone.graphId);

      const run = await policySync(tenant);
      expect(run).toMatchObject({
        outcome: 'partially_succeeded',
        summaryCounts: { total: 14, succeeded: 13, failed: 1, created: 13 },
        failures: [{ code: 'graph.not_found', message: expect.stringContaining(gone.graphId) }],
      });
    });

    it('is skipped for a tenant with nothing in its inventory', async () => {
      const tenant = await simTenant();
      const run = await policySync(tenant);
      expect(run).toMatchObject({ outcome: 'skipped', failures: [{ code: 'inventory.empty' }] });
    });
  });

  describe('inventory routes', () => {
    it('answers invalid input with 400 naming the field, and refuses readonly (403) and strangers (404)', async () => {
      const tenant = await simTenant();
      const post = (path: string, body: unknown, token = operator.token) =>
        t.http.post(`/tenants/${tenant.id}/inventory/${path}`, { token, body });

      const badType = await post('sync', { policyTypes: ['firewall'] });
      expect(badType.status).toBe(400);
      expect(badType.body.errors).toEqual([expect.objectContaining({ field: 'policyTypes' })]);
      const badId = await post('policies/sync', { policyIds: ['nope'] });
      expect(badId.status).toBe(400);
      expect(badId.body.errors).toEqual([expect.objectContaining({ field: 'policyIds' })]);
      const unknownId = await post('policies/sync', { policyIds: [randomUUID()] });
      expect(unknownId.status).toBe(400);
      expect(unknownId.body).toMatchObject({
        code: 'inventory.unknown_policies',
        errors: [expect.objectContaining({ field: 'policyIds' })],
      });
      const badQuery = await t.http.get(
        `/tenants/${tenant.id}/inventory/items?limit=500&cursor=x`,
        {
          token: operator.token,
        },
      );
      expect(badQuery.status).toBe(400);
      const badCursor = await t.http.get(`/tenants/${tenant.id}/inventory/items?cursor=abc`, {
        token: operator.token,
      });
      expect(badCursor.status).toBe(400);
      expect(badCursor.body.errors).toEqual([expect.objectContaining({ field: 'cursor' })]);

      const readonly = await workspace.member('readonly');
      expect((await post('sync', {}, readonly.token)).status).toBe(403);
      expect((await post('policies/sync', {}, readonly.token)).status).toBe(403);
      expect(
        (await t.http.get(`/tenants/${tenant.id}/inventory/items`, { token: readonly.token }))
          .status,
      ).toBe(200);
      const stranger = await (await t.world.workspace()).member('owner');
      const refused = await post('sync', {}, stranger.token);
      expect(refused.status).toBe(404);
      const missing = await t.http.get(`/tenants/${tenant.id}/inventory/items/${randomUUID()}`, {
        token: operator.token,
      });
      expect(missing.status).toBe(404);
      const runs = await t.db.query(`SELECT 1 FROM operation_runs WHERE tenant_id = $1`, [
        tenant.id,
      ]);
      expect(runs).toHaveLength(0);
    });
  });
});
