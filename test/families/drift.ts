import { randomUUID } from 'node:crypto';
import type { Tenant } from '#libs/tenancy';
import { SIM_CLIENT_SECRET, startAppWithSim, type TestSim } from '../support/graph-sim.js';
import { startAndWait, waitForRun } from '../support/runs.js';
import type { TestApp } from '../support/test-app.js';
import type { TestUser, WorkspaceBuilder } from '../support/world.js';

describe('drift', () => {
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

  const inventorySync = (tenant: Tenant, body: unknown = {}) =>
    startAndWait(t.http, operator.token, `/tenants/${tenant.id}/inventory/sync`, body);
  const generate = (tenant: Tenant, body: unknown = {}) =>
    t.http.post(`/tenants/${tenant.id}/drift/generate`, { token: operator.token, body });
  const findings = async (tenant: Tenant, query = '') => {
    const response = await t.http.get(`/tenants/${tenant.id}/drift/findings?limit=200${query}`, {
      token: operator.token,
    });
    expect(response.status).toBe(200);
    return response.body.items as any[];
  };

  /** Two syncs with an edit, a delete and an add in between. */
  async function driftedTenant() {
    const tenant = await workspace.tenant({ clientSecret: SIM_CLIENT_SECRET });
    const entra = tenant.entraTenantId;
    const baseline = await inventorySync(tenant);
    const configs = await t.http.get(
      `/tenants/${tenant.id}/inventory/items?policyType=device_configuration&limit=2`,
      { token: operator.token },
    );
    const [edited, deleted] = configs.body.items;
    await sim.control.update(entra, 'deviceConfigurations', edited.graphId, {
      description: 'Edited between the syncs',
    });
    await sim.control.remove(entra, 'deviceConfigurations', deleted.graphId);
    const added = await sim.control.add(entra, 'deviceCompliancePolicies', {
      '@odata.type': '#microsoft.graph.windows10CompliancePolicy',
      displayName: 'Added compliance',
      description: 'New between the syncs',
      version: 1,
    });
    const current = await inventorySync(tenant);
    return { tenant, baseline, current, edited, deleted, added };
  }

  describe('drift_generate_findings', () => {
    it('finds exactly the edit, the delete and the add between the latest two syncs', async () => {
      const { tenant, baseline, current, edited, deleted, added } = await driftedTenant();
      const started = await generate(tenant);
      expect(started.status).toBe(202);
      const run = await waitForRun(t.http, operator.token, started.body.run.id);
      expect(run).toMatchObject({
        type: 'drift_generate_findings',
        outcome: 'succeeded',
        context: { baselineRunId: baseline.id, currentRunId: current.id },
        summaryCounts: { total: 105, findings: 3, added: 1, removed: 1, modified: 1 },
      });

      const found = await findings(tenant, `&runId=${run.id}`);
      const byChange = Object.fromEntries(found.map((f) => [f.change, f]));
      expect(found).toHaveLength(3);
      const refs = { baselineOperationRunId: baseline.id, currentOperationRunId: current.id };
      expect(byChange.modified).toMatchObject({
        ...refs,
        graphId: edited.graphId,
        policyType: 'device_configuration',
        currentContent: { description: 'Edited between the syncs' },
      });
      // Normalised: the edit bumped lastModifiedDateTime and version, which are not content.
      expect(byChange.modified.currentContent).not.toHaveProperty('lastModifiedDateTime');
      expect(byChange.modified.currentContent).not.toHaveProperty('version');
      expect(byChange.modified.currentContent).not.toHaveProperty('id');
      expect(byChange.removed).toMatchObject({
        ...refs,
        graphId: deleted.graphId,
        currentContent: null,
        baselineContent: expect.objectContaining({ displayName: deleted.displayName }),
      });
      expect(byChange.added).toMatchObject({
        ...refs,
        graphId: added.id,
        policyType: 'compliance_policy',
        displayName: 'Added compliance',
        baselineContent: null,
      });
      expect(await findings(tenant, '&change=added')).toEqual([byChange.added]);
      const one = await t.http.get(`/tenants/${tenant.id}/drift/findings/${byChange.added.id}`, {
        token: operator.token,
      });
      expect(one.body).toEqual(byChange.added);

      // The same two syncs named explicitly: no new findings, and reversed the changes swap.
      const same = await startAndWait(
        t.http,
        operator.token,
        `/tenants/${tenant.id}/drift/generate`,
        {
          baselineRunId: baseline.id,
          currentRunId: current.id,
        },
      );
      expect(same.summaryCounts).toMatchObject({ findings: 3 });
      const reversed = await startAndWait(
        t.http,
        operator.token,
        `/tenants/${tenant.id}/drift/generate`,
        { baselineRunId: current.id, currentRunId: baseline.id },
      );
      expect(reversed.summaryCounts).toMatchObject({ added: 1, removed: 1, modified: 1 });
    });

    it('keeps findings readable once the compared runs are pruned', async () => {
      const { tenant, baseline, current } = await driftedTenant();
      const run = await startAndWait(
        t.http,
        operator.token,
        `/tenants/${tenant.id}/drift/generate`,
      );
      await t.db.query('DELETE FROM operation_runs WHERE id = ANY($1)', [
        [baseline.id, current.id, run.id],
      ]);
      const found = await findings(tenant);
      expect(found).toHaveLength(3);
      for (const finding of found) {
        expect(finding).toMatchObject({
          operationRunId: null,
          baselineOperationRunId: null,
          currentOperationRunId: null,
        });
      }
      // Drift against a pruned sync is refused, naming the field.
      const refused = await generate(tenant, { baselineRunId: baseline.id });
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'baselineRunId' })]);
    });

    it('refuses without two succeeded syncs, and for runs that are not inventory syncs of the tenant', async () => {
      const tenant = await workspace.tenant({ clientSecret: SIM_CLIENT_SECRET });
      const none = await generate(tenant);
      expect(none.status).toBe(409);
      expect(none.body.code).toBe('drift.not_enough_syncs');
      const only = await inventorySync(tenant);
      expect((await generate(tenant)).status).toBe(409);
      const sameTwice = await generate(tenant, { baselineRunId: only.id, currentRunId: only.id });
      expect(sameTwice.status).toBe(400);
      const unknown = await generate(tenant, { currentRunId: randomUUID() });
      expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'currentRunId' })]);
      const other = await workspace.tenant({ clientSecret: SIM_CLIENT_SECRET });
      const foreign = await generate(other, { baselineRunId: only.id });
      expect(foreign.status).toBe(400);
      const notUuid = await generate(tenant, { baselineRunId: 'latest' });
      expect(notUuid.body.errors).toEqual([expect.objectContaining({ field: 'baselineRunId' })]);
      const readonly = await workspace.member('readonly');
      const forbidden = await t.http.post(`/tenants/${tenant.id}/drift/generate`, {
        token: readonly.token,
        body: {},
      });
      expect(forbidden.status).toBe(403);
    });
  });
});
