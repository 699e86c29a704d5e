import {
  graphEnvironment,
  SIM_CLIENT_SECRET,
  startSim,
  type TestSim,
} from '../support/graph-sim.js';
import { startAndWait } from '../support/runs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('sync-reads', () => {
  let sim: TestSim | undefined;
  let t: TestApp;

  beforeAll(async () => {
    sim = await startSim();
    t = await startTestApp(graphEnvironment(sim));
  });
  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  /** The GET routes of the sync families: inventory, directory (groups, role definitions), drift. */
  const SYNC_READS = /^\/tenants\/:tenantId\/(inventory|directory|drift)\//;

  describe('reads of the sync families', () => {
    it('all answer from PostgreSQL with the simulated Graph stopped', async () => {
      const workspace = await t.world.workspace();
      const tenant = await workspace.tenant({ clientSecret: SIM_CLIENT_SECRET });
      const member = await workspace.member('operator');
      const start = (path: string, body: unknown = {}) =>
        startAndWait(t.http, member.token, `/tenants/${tenant.id}/${path}`, body);
      await start('inventory/sync');
      const items = await t.http.get(
        `/tenants/${tenant.id}/inventory/items?policyType=device_configuration&limit=1`,
        {
          token: member.token,
        },
      );
      const item = items.body.items[0];
      await sim!.control.update(tenant.entraTenantId, 'deviceConfigurations', item.graphId, {
        description: 'changed',
      });
      await start('inventory/sync');
      await start('inventory/policies/sync', { policyIds: [item.id] });
      await start('directory/groups/sync');
      await start('directory/role-definitions/sync');
      const drift = await start('drift/generate');
      expect(drift.summaryCounts.findings).toBeGreaterThan(0);

      const first = async (path: string) =>
        (await t.http.get(`/tenants/${tenant.id}/${path}?limit=1`, { token: member.token })).body
          .items[0].id as string;
      const params: Record<string, string> = {
        tenantId: tenant.id,
        itemId: item.id,
        versionId: await first('inventory/versions'),
        groupId: await first('directory/groups'),
        roleId: await first('directory/role-definitions'),
        findingId: await first('drift/findings'),
      };

      await sim!.close();
      sim = undefined;

      const routes = t.routes.filter((r) => r.method === 'GET' && SYNC_READS.test(r.url));
      expect(routes.map((r) => r.url).sort()).toEqual([
        '/tenants/:tenantId/directory/groups',
        '/tenants/:tenantId/directory/groups/:groupId',
        '/tenants/:tenantId/directory/role-definitions',
        '/tenants/:tenantId/directory/role-definitions/:roleId',
        '/tenants/:tenantId/drift/findings',
        '/tenants/:tenantId/drift/findings/:findingId',
        '/tenants/:tenantId/inventory/items',
        '/tenants/:tenantId/inventory/items/:itemId',
        '/tenants/:tenantId/inventory/versions',
        '/tenants/:tenantId/inventory/versions/:versionId',
      ]);
      for (const route of routes) {
        const path = route.url.replace(/:(\w+)/g, (_, name: string) => params[name]!);
        const response = await t.http.get(path, { token: member.token });
        expect({ path, status: response.status }).toEqual({ path, status: 200 });
        const body = response.body;
        expect(body.items ? body.items.length : body.id).toBeTruthy();
      }
    });
  });
});
