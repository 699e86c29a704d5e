import { randomUUID } from 'node:crypto';
import { ALL_PERMISSIONS } from '../../libs/graph-sim/sim-auth.js';
import { SIM_CLIENT_SECRET, startAppWithSim, type TestSim } from '../support/graph-sim.js';
import { startAndWait, waitForRun } from '../support/runs.js';
import type { TestApp } from '../support/test-app.js';
import type { TestUser, WorkspaceBuilder } from '../support/world.js';

/** Tenant onboarding: the provider connection check, what it tells an admin, and `lastRuns`. */
describe('onboarding', () => {
  let sim: TestSim;
  let t: TestApp;
  let close: () => Promise<void>;
  let workspace: WorkspaceBuilder;
  let manager: TestUser;
  let operator: TestUser;

  const CONFIGURATION_READ = 'DeviceManagementConfiguration.Read.All';
  const CONFIGURATION_WRITE = 'DeviceManagementConfiguration.ReadWrite.All';

  beforeAll(async () => {
    ({ sim, t, close } = await startAppWithSim());
    workspace = await t.world.workspace();
    manager = await workspace.member('manager');
    operator = await workspace.member('operator');
  });
  afterAll(() => close?.());

  /** A tenant made through the API (which starts its verification), with the caller's secret. */
  async function createTenant(clientSecret = SIM_CLIENT_SECRET, clientId = randomUUID()) {
    const entraTenantId = randomUUID();
    const response = await t.http.post(`/workspaces/${workspace.id}/tenants`, {
      token: manager.token,
      body: {
        displayName: `Customer ${entraTenantId.slice(0, 8)}`,
        entraTenantId,
        clientId,
        clientSecret,
      },
    });
    expect(response.status).toBe(201);
    return response.body;
  }

  const getTenant = async (id: string) => {
    const response = await t.http.get(`/tenants/${id}`, { token: operator.token });
    expect(response.status).toBe(200);
    return response.body;
  };
  const verify = (tenantId: string) =>
    startAndWait(t.http, manager.token, `/tenants/${tenantId}/connection/verify`);
  const checkNamed = (run: any, name: string) =>
    run.context.checks.find((check: any) => check.name === name);

  describe('provider_connection_verify', () => {
    it('starts when a tenant is created (the 201 carries the run) and verifies a complete grant', async () => {
      const created = await createTenant();
      expect(created.verifyRun).toMatchObject({
        deduplicated: false,
        run: { type: 'provider_connection_verify', tenantId: created.id, status: 'queued' },
      });
      expect(['verifying', 'verified']).toContain(created.connection.status);
      expect(created.lastRuns.provider_connection_verify.id).toBe(created.verifyRun.run.id);

      const run = await waitForRun(t.http, manager.token, created.verifyRun.run.id);
      expect(run.outcome).toBe('succeeded');
      expect(run.failures).toEqual([]);
      expect(checkNamed(run, 'token')).toMatchObject({ status: 'passed' });
      for (const check of run.context.checks) expect(check.status).toBe('passed');
      // One read per resource family: device configuration, apps, enrollment, groups, the two role sources.
      const reads = run.context.checks.filter((check: any) => check.name.startsWith('read:'));
      expect(reads.map((check: any) => check.name).sort()).toEqual(
        [
          'read:deviceConfigurations',
          'read:iosManagedAppProtections',
          'read:deviceEnrollmentConfigurations',
          'read:groups',
          'read:entraRoleDefinitions',
          'read:intuneRoleDefinitions',
        ].sort(),
      );
      const requests = (await sim.control.requests(created.entraTenantId)).requests;
      const graphReads = requests.filter((r) => /^\/(v1\.0|beta)\//.test(r.path));
      expect(graphReads).toHaveLength(reads.length);
      for (const read of graphReads)
        expect(decodeURIComponent(read.path)).toMatch(/\$select=id(&|$)/);

      const tenant = await getTenant(created.id);
      expect(tenant.connection).toMatchObject({
        status: 'verified',
        runId: run.id,
        missingPermissions: [],
      });
      expect(tenant.connection.checkedAt).not.toBeNull();
      expect(tenant.lastRuns.provider_connection_verify).toMatchObject({
        id: run.id,
        status: 'completed',
        outcome: 'succeeded',
      });
      expect(tenant.lastRuns.inventory_sync).toBeNull();
    });

    it('names a missing permission, refuses the inventory that needs it, and verifies once it is granted', async () => {
      const entraTenantId = randomUUID();
      await sim.control.call('PUT', `${entraTenantId}/permissions`, {
        permissions: ALL_PERMISSIONS.filter(
          (p) => p !== CONFIGURATION_READ && p !== CONFIGURATION_WRITE,
        ),
      });
      // Made through the services: not verified yet, so nothing is refused at start.
      const created = await workspace.tenant({ entraTenantId, clientSecret: SIM_CLIENT_SECRET });

      // Graph itself refuses the reads the token carries no permission for.
      const refused = await startAndWait(
        t.http,
        operator.token,
        `/tenants/${created.id}/inventory/sync`,
        { policyTypes: ['device_configuration'] },
      );
      expect(refused.outcome).toBe('failed');
      expect(refused.failures[0].code).toBe('graph.forbidden');

      const run = await verify(created.id);
      expect(run.outcome).toBe('partially_succeeded');
      expect(checkNamed(run, `permission:${CONFIGURATION_READ}`)).toMatchObject({
        status: 'failed',
        code: 'provider.permission_missing',
      });
      expect(checkNamed(run, `permission:${CONFIGURATION_READ}`).nextStep).toContain(
        CONFIGURATION_READ,
      );
      expect(checkNamed(run, 'read:deviceConfigurations')).toMatchObject({ status: 'skipped' });
      // Restores' write permission is reported, and is not what fails the connection.
      expect(checkNamed(run, `permission:${CONFIGURATION_WRITE}`)).toMatchObject({
        status: 'skipped',
        code: 'provider.write_permission_missing',
      });
      expect(checkNamed(run, 'read:groups')).toMatchObject({ status: 'passed' });
      expect(run.failures.map((f: any) => f.code)).toEqual(['provider.permission_missing']);

      const failed = await getTenant(created.id);
      expect(failed.connection).toMatchObject({
        status: 'failed',
        runId: run.id,
        missingPermissions: [CONFIGURATION_READ],
      });

      // Refused at start, naming the permission; types that do not need it still start.
      for (const policyTypes of [['device_configuration'], ['settings_catalog'], undefined]) {
        const start = await t.http.post(`/tenants/${created.id}/inventory/sync`, {
          token: operator.token,
          body: policyTypes ? { policyTypes } : {},
        });
        expect(start.status).toBe(409);
        expect(start.body).toMatchObject({
          code: 'provider.permission_missing',
          missingPermissions: [CONFIGURATION_READ],
        });
        expect(start.body.detail).toContain(CONFIGURATION_READ);
      }
      const other = await startAndWait(
        t.http,
        operator.token,
        `/tenants/${created.id}/inventory/sync`,
        { policyTypes: ['enrollment_configuration'] },
      );
      expect(other.outcome).toBe('succeeded');

      await sim.control.call('PUT', `${entraTenantId}/permissions`, {
        permissions: [...ALL_PERMISSIONS.filter((p) => p !== CONFIGURATION_WRITE)],
      });
      const again = await verify(created.id);
      expect(again.outcome).toBe('succeeded');
      expect(checkNamed(again, `permission:${CONFIGURATION_WRITE}`).status).toBe('skipped');
      const verified = await getTenant(created.id);
      expect(verified.connection).toMatchObject({
        status: 'verified',
        runId: again.id,
        missingPermissions: [],
      });
      const synced = await startAndWait(
        t.http,
        operator.token,
        `/tenants/${created.id}/inventory/sync`,
        { policyTypes: ['device_configuration'] },
      );
      expect(synced.outcome).toBe('succeeded');
      expect(synced.summaryCounts.device_configuration).toBeGreaterThan(0);
      expect((await getTenant(created.id)).lastRuns.inventory_sync.id).toBe(synced.id);
    });

    describe('refused credentials: each its own code and next step, nothing secret anywhere', () => {
      const cases = [
        {
          name: 'a wrong secret',
          code: 'provider.secret_invalid',
          aadsts: 'AADSTS7000215',
          nextStep: /Value \(not its Secret ID\)/,
          secret: `wrong-secret-${randomUUID()}`,
          shape: async () => undefined,
        },
        {
          name: 'an expired secret',
          code: 'provider.secret_expired',
          aadsts: 'AADSTS7000222',
          nextStep: /has expired.*add a new client secret/,
          secret: SIM_CLIENT_SECRET,
          shape: (entraTenantId: string) =>
            sim.control.call('PUT', `${entraTenantId}/app`, { secretExpired: true }),
        },
        {
          name: 'an unknown client id',
          code: 'provider.client_not_found',
          aadsts: 'AADSTS700016',
          nextStep: /Check clientId/,
          secret: SIM_CLIENT_SECRET,
          shape: (entraTenantId: string) =>
            sim.control.call('PUT', `${entraTenantId}/app`, { knownClientIds: [randomUUID()] }),
        },
      ];

      it.each(cases)('$name', async ({ code, aadsts, nextStep, secret, shape }) => {
        const entraTenantId = randomUUID();
        await shape(entraTenantId);
        const response = await t.http.post(`/workspaces/${workspace.id}/tenants`, {
          token: manager.token,
          body: {
            displayName: 'Refused',
            entraTenantId,
            clientId: randomUUID(),
            clientSecret: secret,
          },
        });
        expect(response.status).toBe(201);
        const run = await waitForRun(t.http, manager.token, response.body.verifyRun.run.id);
        expect(run.outcome).toBe('failed');
        const token = checkNamed(run, 'token');
        expect(token).toMatchObject({ status: 'failed', code, aadsts });
        expect(token.detail).toContain(aadsts);
        expect(token.nextStep).toMatch(nextStep);
        for (const check of run.context.checks.filter((c: any) => c.name !== 'token')) {
          expect(check).toMatchObject({ status: 'skipped', code: 'provider.no_token' });
        }
        expect(run.failures).toEqual([{ code, message: expect.stringContaining(aadsts) }]);
        const tenant = await getTenant(response.body.id);
        expect(tenant.connection).toMatchObject({ status: 'failed', runId: run.id });

        // The secret changes (a PATCH): the 200 carries the new verification.
        const rotated = `rotated-${randomUUID()}`;
        const patched = await t.http.patch(`/tenants/${response.body.id}`, {
          token: manager.token,
          body: { clientSecret: rotated },
        });
        expect(patched.status).toBe(200);
        expect(patched.body.verifyRun.run).toMatchObject({ type: 'provider_connection_verify' });
        expect(patched.body.connection.status).toBe('verifying');
        await waitForRun(t.http, manager.token, patched.body.verifyRun.run.id);

        const stored = JSON.stringify([
          run,
          await t.db.query('SELECT * FROM operation_runs WHERE tenant_id = $1', [response.body.id]),
          await t.db.query('SELECT * FROM audit_log WHERE tenant_id = $1', [response.body.id]),
          await t.db.query('SELECT * FROM notifications'),
        ]);
        for (const value of [secret, rotated]) {
          expect(stored).not.toContain(value);
          for (const line of t.logs) expect(line).not.toContain(value);
        }
      });
    });

    it('a display name change starts nothing; a credential change resets the connection and verifies it', async () => {
      const created = await createTenant();
      await waitForRun(t.http, manager.token, created.verifyRun.run.id);
      const renamed = await t.http.patch(`/tenants/${created.id}`, {
        token: manager.token,
        body: { displayName: 'Renamed' },
      });
      expect(renamed.status).toBe(200);
      expect(renamed.body.verifyRun).toBeUndefined();
      expect(renamed.body.connection.status).toBe('verified');

      const moved = await t.http.patch(`/tenants/${created.id}`, {
        token: manager.token,
        body: { clientId: randomUUID() },
      });
      expect(moved.status).toBe(200);
      expect(moved.body.connection).toMatchObject({ status: 'verifying', missingPermissions: [] });
      const run = await waitForRun(t.http, manager.token, moved.body.verifyRun.run.id);
      expect(run.outcome).toBe('succeeded');
      expect((await getTenant(created.id)).connection).toMatchObject({
        status: 'verified',
        runId: run.id,
      });
    });

    it('needs tenant.manage: an operator is refused and nothing starts', async () => {
      const tenant = await workspace.tenant({ clientSecret: SIM_CLIENT_SECRET });
      const refused = await t.http.post(`/tenants/${tenant.id}/connection/verify`, {
        token: operator.token,
      });
      expect(refused.status).toBe(403);
      const runs = await t.db.query('SELECT id FROM operation_runs WHERE tenant_id = $1', [
        tenant.id,
      ]);
      expect(runs).toEqual([]);
      const outsider = await t.world.user();
      expect(
        (await t.http.post(`/tenants/${tenant.id}/connection/verify`, { token: outsider.token }))
          .status,
      ).toBe(404);
    });
  });

  describe('lastRuns', () => {
    it('shows the newest run of each type on every tenant of the list', async () => {
      const own = await t.world.workspace();
      const owner = await own.member('owner');
      const tenants = await Promise.all(
        [1, 2, 3].map(() => own.tenant({ clientSecret: SIM_CLIENT_SECRET })),
      );
      const first = await startAndWait(
        t.http,
        owner.token,
        `/tenants/${tenants[0]!.id}/directory/groups/sync`,
      );
      const second = await startAndWait(
        t.http,
        owner.token,
        `/tenants/${tenants[0]!.id}/directory/groups/sync`,
      );
      const roles = await startAndWait(
        t.http,
        owner.token,
        `/tenants/${tenants[1]!.id}/directory/role-definitions/sync`,
      );
      expect(first.id).not.toBe(second.id);

      const list = await t.http.get(`/workspaces/${own.id}/tenants`, { token: owner.token });
      expect(list.status).toBe(200);
      const byId = new Map(list.body.items.map((item: any) => [item.id, item]));
      const [a, b, c] = tenants.map((tenant) => byId.get(tenant.id) as any);
      expect(Object.keys(a.lastRuns).sort()).toEqual(
        [
          'backup_schedule_run',
          'directory_role_definitions_sync',
          'entra_group_sync',
          'inventory_sync',
          'policy_sync',
          'provider_connection_verify',
        ].sort(),
      );
      expect(a.lastRuns.entra_group_sync).toEqual({
        id: second.id,
        status: 'completed',
        outcome: 'succeeded',
        completedAt: second.completedAt,
      });
      expect(a.lastRuns.directory_role_definitions_sync).toBeNull();
      expect(b.lastRuns.directory_role_definitions_sync.id).toBe(roles.id);
      expect(b.lastRuns.entra_group_sync).toBeNull();
      expect(Object.values(c.lastRuns).every((run) => run === null)).toBe(true);
      // Created through the services, not the API: never verified.
      expect(c.connection).toMatchObject({ status: 'unverified', runId: null });
    });
  });
});
