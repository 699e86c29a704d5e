import { randomUUID } from 'node:crypto';
import type { GraphResource } from '#libs/graph';
import type { SimItem } from '#libs/graph-sim';
import { POLICY_TYPES, type PolicyType } from '#libs/policies';
import type { Tenant } from '#libs/tenancy';
import {
  graphEnvironment,
  SIM_CLIENT_SECRET,
  startSim,
  type TestSim,
} from '../support/graph-sim.js';
import { RestoreSteps } from '../support/restore.js';
import { waitForRun } from '../support/runs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import type { TestUser, WorkspaceBuilder } from '../support/world.js';

describe('restore', () => {
  /**
   * The restore family against the simulated Graph: a round trip, a restore into another tenant
   * with its groups mapped, the lost answer of a create, one run per restore however often it is
   * executed, who may do what, and a preview that never needs Graph.
   */
  let sim: TestSim;
  let simStopped = false;
  let t: TestApp;
  let workspace: WorkspaceBuilder;
  let owner: TestUser;
  let steps: RestoreSteps;

  const ALL_USERS = '#microsoft.graph.allLicensedUsersAssignmentTarget';
  const ALL_DEVICES = '#microsoft.graph.allDevicesAssignmentTarget';
  const GROUP = '#microsoft.graph.groupAssignmentTarget';
  const EXCLUDE = '#microsoft.graph.exclusionGroupAssignmentTarget';

  beforeAll(async () => {
    sim = await startSim();
    t = await startTestApp(graphEnvironment(sim));
    workspace = await t.world.workspace();
    owner = await workspace.member('owner');
    steps = new RestoreSteps(t, owner.token);
  });
  afterAll(async () => {
    await t?.close();
    if (!simStopped) await sim?.close();
  });

  const resourceOf = (type: string) => POLICY_TYPES[type as PolicyType].resource as GraphResource;

  async function simTenant(policies: number, into: WorkspaceBuilder = workspace): Promise<Tenant> {
    const tenant = await into.tenant({ clientSecret: SIM_CLIENT_SECRET });
    await sim.control.sizes(tenant.entraTenantId, { policies });
    return tenant;
  }

  /** The simulated tenant's group of that name (the generated ones are "Group 1" … "Group 250"). */
  function groupNamed(tenant: Tenant, name: string): SimItem {
    const group = sim
      .tenant(tenant.entraTenantId)
      .items('groups')
      .find((item) => item.displayName === name);
    if (!group) throw new Error(`no group ${name}`);
    return group;
  }

  /** Sets a policy's assignments in the simulated tenant (as an admin would in the portal). */
  function assign(tenant: Tenant, resource: GraphResource, policyId: string, targets: object[]) {
    sim.tenant(tenant.entraTenantId).setRelated(
      resource,
      policyId,
      'assignments',
      targets.map((target, i) => ({ id: `${policyId}_${i}`, target })),
    );
  }

  /** The simulated tenant's policies of a type, by name. */
  function policiesNamed(tenant: Tenant, type: string, name: string): SimItem[] {
    return sim
      .tenant(tenant.entraTenantId)
      .items(resourceOf(type))
      .filter((item) => (item.displayName ?? item.name) === name);
  }

  function assignmentsOf(tenant: Tenant, type: string, policyId: string) {
    return sim
      .tenant(tenant.entraTenantId)
      .relatedItems(resourceOf(type), policyId, 'assignments')
      .map((assignment) => assignment.target);
  }

  /** A problem body without its request id: what two answers must share to be "the same". */
  const sameBody = (body: any) => ({ ...body, requestId: undefined });

  /**
   * Points the simulated tenant's generated group assignments at its own groups (the generator
   * makes up group ids no directory has), as a real tenant's assignments would be.
   */
  function useTenantGroups(tenant: Tenant): void {
    const simTenant = sim.tenant(tenant.entraTenantId);
    const groups = simTenant.items('groups');
    let next = 0;
    for (const type of Object.keys(POLICY_TYPES)) {
      const resource = resourceOf(type);
      for (const policy of simTenant.items(resource)) {
        const assignments = simTenant.relatedItems(resource, policy.id, 'assignments');
        simTenant.setRelated(
          resource,
          policy.id,
          'assignments',
          assignments.map((assignment) => {
            const target = assignment.target as Record<string, unknown>;
            if (typeof target.groupId !== 'string') return assignment;
            return {
              ...assignment,
              target: { ...target, groupId: groups[next++ % groups.length]!.id },
            };
          }),
        );
      }
    }
  }

  /**
   * Gives the target's first policy of a collection the `@odata.type` of the source's first — the
   * generator draws kinds per tenant — so that the two meet by name and kind.
   */
  async function sameKindAsSource(source: Tenant, target: Tenant, resource: GraphResource) {
    const [theirs] = sim.tenant(source.entraTenantId).items(resource);
    const [ours] = sim.tenant(target.entraTenantId).items(resource);
    if (theirs!['@odata.type']) {
      await sim.control.update(target.entraTenantId, resource, ours!.id, {
        '@odata.type': theirs!['@odata.type'],
      });
    }
  }

  /** The latest captured version's hash of each policy of the tenant, by Graph id. */
  async function latestHashes(tenant: Tenant): Promise<Map<string, string>> {
    const rows = await t.db.query<{ graphId: string; contentHash: string }>(
      `SELECT DISTINCT ON (policy_type, graph_id) graph_id AS "graphId", content_hash AS "contentHash"
       FROM policy_versions WHERE tenant_id = $1
      ORDER BY policy_type, graph_id, version_number DESC`,
      [tenant.id],
    );
    return new Map(rows.map((row) => [row.graphId, row.contentHash]));
  }

  describe('a round trip', () => {
    it('brings deleted and changed policies back as they were backed up', async () => {
      const tenant = await simTenant(3);
      useTenantGroups(tenant);
      await steps.sync(tenant, ['groups']);
      const set = await steps.backup(tenant);
      const byType = (type: string) => set.items.filter((i: any) => i.policyType === type);
      // Deleted: one of three kinds, an administrative template among them (its values go too).
      const deleted = [
        byType('device_configuration')[0],
        byType('settings_catalog')[0],
        byType('administrative_template')[0],
      ];
      for (const item of deleted) {
        await sim.control.remove(tenant.entraTenantId, resourceOf(item.policyType), item.policyId);
      }
      // Changed: renamed, and a setting changed.
      const changed = [byType('compliance_policy')[0], byType('ios_app_protection')[0]];
      await sim.control.update(
        tenant.entraTenantId,
        'deviceCompliancePolicies',
        changed[0].policyId,
        {
          displayName: 'Renamed by someone',
          description: 'Changed outside TenantOps',
        },
      );
      await sim.control.update(
        tenant.entraTenantId,
        'iosManagedAppProtections',
        changed[1].policyId,
        {
          description: 'Changed outside TenantOps',
        },
      );
      await steps.sync(tenant, ['inventory', 'policies']);

      const created = await steps.create(tenant, {
        sourceBackupSetId: set.id,
        conflictPolicy: 'update',
      });
      expect(created.status).toBe(201);
      const total = set.items.length;
      expect(created.body.preview).toEqual({
        counts: { total, create: 3, update: 2, skip: 0, unchanged: total - 5 },
        blockers: [],
        warnings: [],
      });
      const planned = (item: any) =>
        created.body.items.find((i: any) => i.policyId === item.policyId).action;
      expect(deleted.map(planned)).toEqual(['create', 'create', 'create']);
      expect(changed.map(planned)).toEqual(['update', 'update']);

      const started = await steps.execute(tenant, created.body.id);
      const run = await waitForRun(t.http, owner.token, started.body.run.id, 60_000);
      expect(run).toMatchObject({
        outcome: 'succeeded',
        failures: [],
        summaryCounts: {
          total,
          created: 3,
          updated: 2,
          unchanged: total - 5,
          skipped: 0,
          failed: 0,
        },
      });
      const restore = (await steps.get(tenant, created.body.id)).body;
      const targetOf = new Map<string, string>(
        restore.items.map((i: any) => [i.policyId, i.targetPolicyId]),
      );
      for (const item of deleted) {
        const again = sim
          .tenant(tenant.entraTenantId)
          .item(resourceOf(item.policyType), targetOf.get(item.policyId)!);
        expect(again).toBeDefined();
        expect(again!.id).not.toBe(item.policyId);
      }

      // A fresh capture of every restored policy hashes as its backup did.
      await waitForRun(t.http, owner.token, run.context.inventorySyncRunId, 30_000);
      await steps.sync(tenant, ['policies']);
      const hashes = await latestHashes(tenant);
      for (const item of set.items) {
        const targetId = targetOf.get(item.policyId)!;
        expect({ policy: item.displayName, hash: hashes.get(targetId) }).toEqual({
          policy: item.displayName,
          hash: item.contentHash,
        });
      }
    }, 180_000);
  });

  describe('a restore into another tenant of the workspace', () => {
    it('maps groups by name and explicitly, refuses unmapped groups with 409, and creates copies beside', async () => {
      const source = await simTenant(2);
      const target = await simTenant(1);
      await sameKindAsSource(source, target, 'deviceConfigurations');
      await sameKindAsSource(source, target, 'deviceCompliancePolicies');
      // Only the source has this group: nothing of its name in the target.
      const onlyInSource = await sim.control.add(source.entraTenantId, 'groups', {
        displayName: 'Kiosk devices (source only)',
        securityEnabled: true,
        mailEnabled: false,
      });
      const [dc1, dc2] = sim.tenant(source.entraTenantId).items('deviceConfigurations');
      const [cp1, cp2] = sim.tenant(source.entraTenantId).items('deviceCompliancePolicies');
      assign(source, 'deviceConfigurations', dc1!.id, [
        { '@odata.type': GROUP, groupId: groupNamed(source, 'Group 1').id },
        { '@odata.type': EXCLUDE, groupId: groupNamed(source, 'Group 2').id },
        { '@odata.type': ALL_USERS },
      ]);
      assign(source, 'deviceConfigurations', dc2!.id, [
        { '@odata.type': GROUP, groupId: onlyInSource.id },
      ]);
      assign(source, 'deviceCompliancePolicies', cp1!.id, [{ '@odata.type': ALL_DEVICES }]);
      assign(source, 'deviceCompliancePolicies', cp2!.id, []);
      await steps.sync(source, ['groups']);
      const set = await steps.backup(source, ['device_configuration', 'compliance_policy']);
      expect(set.itemCount).toBe(4);
      await steps.sync(target, ['inventory', 'groups']);

      const created = await steps.create(target, {
        sourceBackupSetId: set.id,
        conflictPolicy: 'create_copy',
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        status: 'draft',
        sourceTenantId: source.id,
        tenantId: target.id,
        conflictPolicy: 'create_copy',
        includeAssignments: true,
        preview: { counts: { total: 4, create: 4 } },
      });
      expect(created.body.preview.blockers).toEqual([
        expect.objectContaining({
          code: 'restore.group_unmapped',
          groupId: onlyInSource.id,
          message: expect.stringContaining('Kiosk devices (source only)'),
        }),
      ]);
      const item = (policy: SimItem) =>
        created.body.items.find((i: any) => i.policyId === policy.id);
      // The target already has "Device configuration 1": the copy goes beside it, with a suffix.
      expect(item(dc1!)).toMatchObject({
        action: 'create',
        targetDisplayName: 'Device configuration 1 (restored)',
      });
      expect(item(dc2!).targetDisplayName).toBe('Device configuration 2');
      expect(item(dc1!).assignments).toEqual([
        expect.objectContaining({
          targetType: GROUP,
          sourceGroupName: 'Group 1',
          targetGroupId: groupNamed(target, 'Group 1').id,
          mappedBy: 'display_name',
        }),
        expect.objectContaining({ targetType: EXCLUDE, mappedBy: 'display_name' }),
        expect.objectContaining({
          targetType: ALL_USERS,
          body: { target: { '@odata.type': ALL_USERS } },
        }),
      ]);

      const refused = await steps.execute(target, created.body.id);
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({
        code: 'restore.blocked',
        detail: expect.stringContaining('Kiosk devices (source only)'),
        blockers: [expect.objectContaining({ groupId: onlyInSource.id })],
      });
      expect(
        await t.db.query(
          `SELECT 1 FROM operation_runs WHERE type = 'restore_execute' AND context ->> 'restoreRunId' = $1`,
          [created.body.id],
        ),
      ).toEqual([]);

      const group9 = groupNamed(target, 'Group 9').id;
      const group3 = groupNamed(target, 'Group 3').id;
      const patched = await t.http.patch(`/tenants/${target.id}/restore-runs/${created.body.id}`, {
        token: owner.token,
        body: {
          groupMapping: {
            [onlyInSource.id]: group9,
            // An explicit mapping wins over the group of the same name.
            [groupNamed(source, 'Group 2').id]: group3,
          },
        },
      });
      expect(patched.status).toBe(200);
      expect(patched.body.preview.blockers).toEqual([]);

      const started = await steps.execute(target, created.body.id);
      expect(started.status).toBe(202);
      const run = await waitForRun(t.http, owner.token, started.body.run.id, 60_000);
      expect(run).toMatchObject({
        outcome: 'succeeded',
        summaryCounts: { total: 4, created: 4, updated: 0, skipped: 0, unchanged: 0, failed: 0 },
        context: { restoreRunId: created.body.id, inventorySyncRunId: expect.any(String) },
      });

      const [copy] = policiesNamed(
        target,
        'device_configuration',
        'Device configuration 1 (restored)',
      );
      expect(policiesNamed(target, 'device_configuration', 'Device configuration 1')).toHaveLength(
        1,
      );
      expect(assignmentsOf(target, 'device_configuration', copy!.id)).toEqual([
        { '@odata.type': GROUP, groupId: groupNamed(target, 'Group 1').id },
        { '@odata.type': EXCLUDE, groupId: group3 },
        { '@odata.type': ALL_USERS },
      ]);
      const [second] = policiesNamed(target, 'device_configuration', 'Device configuration 2');
      expect(assignmentsOf(target, 'device_configuration', second!.id)).toEqual([
        { '@odata.type': GROUP, groupId: group9 },
      ]);
      const [compliance] = policiesNamed(
        target,
        'compliance_policy',
        'Compliance policy 1 (restored)',
      );
      expect(assignmentsOf(target, 'compliance_policy', compliance!.id)).toEqual([
        { '@odata.type': ALL_DEVICES },
      ]);

      const restore = (await steps.get(target, created.body.id)).body;
      expect(restore).toMatchObject({
        status: 'completed',
        outcome: 'succeeded',
        operationRunId: run.id,
        inventorySyncRunId: run.context.inventorySyncRunId,
        results: { created: 4, pending: 0, failed: 0 },
      });
      const audit = await t.db.query(
        `SELECT action, actor_user_id FROM audit_log WHERE target_id = $1 ORDER BY id`,
        [created.body.id],
      );
      expect(audit).toEqual([
        { action: 'restore_run.create', actor_user_id: owner.id },
        { action: 'restore_run.update', actor_user_id: owner.id },
        { action: 'restore_run.execute', actor_user_id: owner.id },
      ]);
      const sync = await waitForRun(t.http, owner.token, run.context.inventorySyncRunId, 30_000);
      expect(sync).toMatchObject({
        type: 'inventory_sync',
        context: {
          policyTypes: ['compliance_policy', 'device_configuration'],
          restoreRunId: created.body.id,
        },
      });
    }, 120_000);
  });

  describe('executing a restore', () => {
    it('twice at once makes one run: one 202, one 200 deduplicated; later ones answer the same run', async () => {
      const tenant = await simTenant(1);
      const set = await steps.backup(tenant, ['device_configuration']);
      const created = await steps.create(tenant, {
        sourceBackupSetId: set.id,
        includeAssignments: false,
      });
      const [a, b] = await Promise.all([
        steps.execute(tenant, created.body.id),
        steps.execute(tenant, created.body.id),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 202]);
      expect(a.body.run.id).toBe(b.body.run.id);
      expect([a.body.deduplicated, b.body.deduplicated].sort()).toEqual([false, true]);
      await waitForRun(t.http, owner.token, a.body.run.id, 60_000);
      const again = await steps.execute(tenant, created.body.id);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ deduplicated: true, run: { id: a.body.run.id } });
      const runs = await t.db.query(
        `SELECT id FROM operation_runs WHERE type = 'restore_execute' AND context ->> 'restoreRunId' = $1`,
        [created.body.id],
      );
      expect(runs).toHaveLength(1);

      // Executed: a record of what was done, no longer a draft to change or delete.
      const url = `/tenants/${tenant.id}/restore-runs/${created.body.id}`;
      const patch = await t.http.patch(url, {
        token: owner.token,
        body: { conflictPolicy: 'update' },
      });
      expect(patch.status).toBe(409);
      expect(patch.body.code).toBe('restore.not_draft');
      expect((await t.http.delete(url, { token: owner.token })).status).toBe(409);

      // Its run pruned (as runs_prune deletes it past retention): a new execute would write the
      // tenant again, so it is refused, and no run is made.
      await t.db.query(`DELETE FROM operation_runs WHERE id = $1`, [a.body.run.id]);
      const pruned = await steps.execute(tenant, created.body.id);
      expect(pruned.status).toBe(409);
      expect(pruned.body.code).toBe('restore.run_pruned');
      const after = await t.db.query(
        `SELECT id FROM operation_runs WHERE type = 'restore_execute' AND context ->> 'restoreRunId' = $1`,
        [created.body.id],
      );
      expect(after).toHaveLength(0);
    }, 60_000);
  });

  describe('who may restore, and bad input', () => {
    it('operators and readers may look but not restore; strangers get 404 as for a missing run', async () => {
      const ws = await t.world.workspace();
      const callers = {
        owner: await ws.member('owner'),
        manager: await ws.member('manager'),
        operator: await ws.member('operator'),
        readonly: await ws.member('readonly'),
        stranger: await t.world.user(),
      };
      const boss = new RestoreSteps(t, callers.owner.token);
      const tenant = await simTenant(1, ws);
      const set = await boss.backup(tenant, ['compliance_policy']);
      const body = { sourceBackupSetId: set.id, includeAssignments: false };
      const draft = (await boss.create(tenant, body)).body;
      const base = `/tenants/${tenant.id}/restore-runs`;
      const one = `${base}/${draft.id}`;

      const statuses: Record<string, Record<string, number>> = {};
      for (const [who, user] of Object.entries(callers)) {
        const as = { token: user.token };
        statuses[who] = {
          create: (await t.http.post(base, { ...as, body })).status,
          list: (await t.http.get(base, as)).status,
          get: (await t.http.get(one, as)).status,
          patch: (await t.http.patch(one, { ...as, body: { conflictPolicy: 'skip' } })).status,
          execute:
            who === 'owner' || who === 'manager'
              ? 0
              : (await t.http.post(`${one}/execute`, as)).status,
          delete: who === 'owner' || who === 'manager' ? 0 : (await t.http.delete(one, as)).status,
        };
      }
      expect(statuses).toEqual({
        owner: { create: 201, list: 200, get: 200, patch: 200, execute: 0, delete: 0 },
        manager: { create: 201, list: 200, get: 200, patch: 200, execute: 0, delete: 0 },
        operator: { create: 403, list: 200, get: 200, patch: 403, execute: 403, delete: 403 },
        readonly: { create: 403, list: 200, get: 200, patch: 403, execute: 403, delete: 403 },
        stranger: { create: 404, list: 404, get: 404, patch: 404, execute: 404, delete: 404 },
      });
      // Refused: nothing executed, nothing deleted.
      expect((await t.http.get(one, { token: callers.owner.token })).body.status).toBe('draft');
      const stranger = await t.http.get(one, { token: callers.stranger.token });
      const missing = await t.http.get(`${base}/${randomUUID()}`, { token: callers.owner.token });
      expect(sameBody(stranger.body)).toEqual(sameBody(missing.body));

      const page = await t.http.get(`${base}?limit=2`, { token: callers.readonly.token });
      expect(page.body.items).toHaveLength(2);
      const rest = await t.http.get(`${base}?limit=2&cursor=${page.body.nextCursor}`, {
        token: callers.readonly.token,
      });
      expect([...page.body.items, ...rest.body.items].map((r: any) => r.id)).toContain(draft.id);
      expect((await t.http.delete(one, { token: callers.owner.token })).status).toBe(204);
      expect((await t.http.get(one, { token: callers.owner.token })).status).toBe(404);
      const audit = await t.db.query(
        `SELECT action FROM audit_log WHERE target_id = $1 ORDER BY id`,
        [draft.id],
      );
      expect(audit.map((a) => a.action)).toEqual([
        'restore_run.create',
        'restore_run.update',
        'restore_run.update',
        'restore_run.delete',
      ]);
    }, 90_000);

    it('answers 400 naming the field for unknown sets, items and groups; a set the caller cannot see is 404', async () => {
      const tenant = await simTenant(1);
      const set = await steps.backup(tenant, ['device_configuration']);
      const base = `/tenants/${tenant.id}/restore-runs`;
      const fieldOf = async (body: object) => {
        const response = await t.http.post(base, { token: owner.token, body });
        expect(response.status).toBe(400);
        return response.body.errors.map((e: any) => e.field);
      };
      expect(await fieldOf({ sourceBackupSetId: randomUUID() })).toEqual(['sourceBackupSetId']);
      expect(await fieldOf({ sourceBackupSetId: 'set-1' })).toEqual(['sourceBackupSetId']);
      expect(
        await fieldOf({
          sourceBackupSetId: set.id,
          items: [{ policyType: 'device_configuration', policyId: 'no-such-policy' }],
        }),
      ).toEqual(['items']);
      expect(
        await fieldOf({
          sourceBackupSetId: set.id,
          items: [{ policyType: 'groups', policyId: 'x' }],
        }),
      ).toEqual(['items.0.policyType']);
      expect(await fieldOf({ sourceBackupSetId: set.id, conflictPolicy: 'replace' })).toEqual([
        'conflictPolicy',
      ]);
      expect(await fieldOf({ sourceBackupSetId: set.id, groupMapping: { a: 'b' } })).toEqual([
        'groupMapping',
      ]);
      const [assigned] = set.items.filter((i: any) =>
        i.assignments.some((a: any) => a.target.groupId),
      );
      const someGroup =
        assigned?.assignments.find((a: any) => a.target.groupId).target.groupId ?? randomUUID();
      expect(
        await fieldOf({ sourceBackupSetId: set.id, groupMapping: { [someGroup]: randomUUID() } }),
      ).toEqual(['groupMapping']);

      // A set of another workspace: 400 when the caller is a member there too…
      const other = await t.world.workspace();
      await other.add(owner, 'owner');
      const elsewhere = await simTenant(1, other);
      const foreign = await steps.backup(elsewhere, ['device_configuration']);
      expect(await fieldOf({ sourceBackupSetId: foreign.id })).toEqual(['sourceBackupSetId']);
      // …and, when not, exactly what a missing backup set answers.
      const hidden = await t.world.workspace();
      const hiddenOwner = await hidden.member('owner');
      const hiddenTenant = await simTenant(1, hidden);
      const hiddenSet = await new RestoreSteps(t, hiddenOwner.token).backup(hiddenTenant, [
        'device_configuration',
      ]);
      const unseen = await t.http.post(base, {
        token: owner.token,
        body: { sourceBackupSetId: hiddenSet.id },
      });
      const missingSet = await t.http.get(`/tenants/${tenant.id}/backup-sets/${randomUUID()}`, {
        token: owner.token,
      });
      expect(unseen.status).toBe(404);
      expect(sameBody(unseen.body)).toEqual(sameBody(missingSet.body));
      expect(
        await t.db.query(`SELECT 1 FROM restore_runs WHERE tenant_id = $1`, [tenant.id]),
      ).toEqual([]);
    }, 90_000);
  });

  describe('the preview', () => {
    it('answers from the database with the simulated Graph stopped', async () => {
      const source = await simTenant(2);
      const target = await simTenant(1);
      await sameKindAsSource(source, target, 'deviceConfigurations');
      await steps.sync(source, ['groups']);
      const set = await steps.backup(source, ['device_configuration', 'settings_catalog']);
      await steps.sync(target, ['inventory', 'groups']);
      await sim.close();
      simStopped = true;

      const created = await steps.create(target, {
        sourceBackupSetId: set.id,
        conflictPolicy: 'update',
        skipUnmappedAssignments: true,
      });
      expect(created.status).toBe(201);
      expect(created.body.preview.counts).toMatchObject({ total: 4, update: 2, create: 2 });
      const url = `/tenants/${target.id}/restore-runs/${created.body.id}`;
      const patched = await t.http.patch(url, {
        token: owner.token,
        body: {
          conflictPolicy: 'skip',
          items: [
            {
              policyType: 'settings_catalog',
              policyId: set.items.find((i: any) => i.policyType === 'settings_catalog').policyId,
            },
          ],
        },
      });
      expect(patched.status).toBe(200);
      expect(patched.body.preview.counts).toMatchObject({ total: 1 });
      expect((await t.http.get(url, { token: owner.token })).status).toBe(200);
      expect(
        (await t.http.get(`/tenants/${target.id}/restore-runs`, { token: owner.token })).status,
      ).toBe(200);
    }, 90_000);
  });
});
