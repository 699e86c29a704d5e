import { randomUUID } from 'node:crypto';
import type { Tenant } from '#libs/tenancy';
import { startTestApp, type TestApp } from '../support/test-app.js';
import type { TestUser, WorkspaceBuilder } from '../support/world.js';

describe('runs-api', () => {
  /** The runs API: one canonical viewer, and a list scoped to what the caller may view. */
  let t: TestApp;
  let workspace: WorkspaceBuilder;
  let tenant: Tenant;
  let callers: Record<'owner' | 'operator' | 'readonly' | 'outsider', TestUser>;
  let activeRun: string; // probe_active: inventory.sync
  let workspaceRun: string; // probe_workspace: backup.manage

  beforeAll(async () => {
    // api only: runs stay queued, which is all these tests need.
    t = await startTestApp({ APP_ROLES: 'api' }, { probes: true });
    workspace = await t.world.workspace();
    tenant = await workspace.tenant();
    const elsewhere = await t.world.workspace();
    callers = {
      owner: await workspace.member('owner'),
      operator: await workspace.member('operator'),
      readonly: await workspace.member('readonly'),
      outsider: await elsewhere.member('owner'),
    };
    activeRun = (
      await t.http.post(`/probe/tenants/${tenant.id}/active`, {
        token: callers.operator.token,
        body: { key: 'a' },
      })
    ).body.run.id;
    workspaceRun = (
      await t.http.post(`/probe/workspaces/${workspace.id}`, {
        token: callers.owner.token,
        body: { key: 'w' },
      })
    ).body.run.id;
    // Another workspace's run, which nobody here may see.
    const theirTenant = await elsewhere.tenant();
    await t.http.post(`/probe/tenants/${theirTenant.id}/active`, {
      token: callers.outsider.token,
      body: { key: 'x' },
    });
  });
  afterAll(() => t?.close());

  describe('GET /operations/{id}', () => {
    it.each([
      ['owner', 'active', 200],
      ['operator', 'active', 200],
      ['readonly', 'active', 403],
      ['outsider', 'active', 404],
      ['owner', 'workspace', 200],
      ['operator', 'workspace', 403],
      ['outsider', 'workspace', 404],
    ] as const)('answers %s viewing the %s run with %i', async (caller, run, status) => {
      const id = run === 'active' ? activeRun : workspaceRun;
      const response = await t.http.get(`/operations/${id}`, { token: callers[caller].token });
      expect(response.status).toBe(status);
    });

    it('answers an outsider exactly as it answers a run that does not exist', async () => {
      const headers = { 'x-request-id': 'same' };
      const outsider = await t.http.get(`/operations/${activeRun}`, {
        token: callers.outsider.token,
        headers,
      });
      for (const id of [randomUUID(), 'nope']) {
        const missing = await t.http.get(`/operations/${id}`, {
          token: callers.owner.token,
          headers,
        });
        expect(missing.status).toBe(404);
        expect(missing.text).toBe(outsider.text);
      }
    });
  });

  const listAs = async (token: string, query = '') =>
    (await t.http.get(`/operations${query}`, { token })).body.items.map((run: any) => run.id);

  describe('GET /operations', () => {
    const ids = async (caller: keyof typeof callers, query = '') =>
      (await t.http.get(`/operations${query}`, { token: callers[caller].token })).body.items.map(
        (run: any) => run.id,
      );

    it('lists only the caller’s workspaces, and only the types the caller may view', async () => {
      expect(await ids('owner')).toEqual([workspaceRun, activeRun]);
      expect(await ids('operator')).toEqual([activeRun]);
      expect(await ids('readonly')).toEqual([]);
      expect(await ids('outsider')).not.toContain(activeRun);
    });

    it('merges the workspaces of a caller who belongs to several, newest first, each by its own rights', async () => {
      const both = await t.world.user();
      await workspace.add(both, 'operator');
      const other = await t.world.workspace();
      await other.add(both, 'owner');
      const otherTenant = await other.tenant();
      const start = (body: object) =>
        t.http.post(`/probe/tenants/${otherTenant.id}/active`, { token: both.token, body });
      const first = (await start({ key: 'm1' })).body.run.id;
      const second = (
        await t.http.post(`/probe/workspaces/${other.id}`, {
          token: both.token,
          body: { key: 'm2' },
        })
      ).body.run.id;
      // In `workspace` only the operator's types (not probe_workspace); in `other`, everything.
      expect(await listAs(both.token)).toEqual([second, first, activeRun]);
      expect(await listAs(both.token, '?limit=2')).toEqual([second, first]);
    });

    it('filters by tenant, type, status, outcome, initiator and creation time', async () => {
      expect(await ids('owner', `?tenantId=${tenant.id}`)).toEqual([activeRun]);
      expect(await ids('owner', '?type=probe_workspace')).toEqual([workspaceRun]);
      expect(await ids('owner', '?status=queued')).toEqual([workspaceRun, activeRun]);
      expect(await ids('owner', '?status=completed')).toEqual([]);
      expect(await ids('owner', '?outcome=pending')).toEqual([workspaceRun, activeRun]);
      expect(await ids('owner', '?outcome=failed')).toEqual([]);
      expect(await ids('owner', `?initiatorId=${callers.operator.id}`)).toEqual([activeRun]);
      const future = new Date(Date.now() + 60_000).toISOString();
      expect(await ids('owner', `?createdFrom=${future}`)).toEqual([]);
      expect(await ids('owner', `?createdTo=${future}`)).toEqual([workspaceRun, activeRun]);
    });

    it.each([
      ['an unknown type', '?type=no_such_type', 'type'],
      ['an unknown status', '?status=sleeping', 'status'],
      ['an unknown outcome', '?outcome=great', 'outcome'],
      ['a malformed tenant id', '?tenantId=abc', 'tenantId'],
      ['a limit over 200', '?limit=201', 'limit'],
      ['a malformed date', '?createdFrom=yesterday', 'createdFrom'],
      ['a forged cursor', '?cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['an unknown parameter', '?colour=blue', 'colour'],
    ])('refuses %s with 400 naming the field', async (_, query, field) => {
      const response = await t.http.get(`/operations${query}`, { token: callers.owner.token });
      expect(response.status).toBe(400);
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });
  });

  describe('pagination', () => {
    it('walks every page with no duplicate and no gap while runs are being inserted', async () => {
      const ws = await t.world.workspace();
      const tn = await ws.tenant();
      const owner = await ws.member('owner');
      const startOne = (i: number) =>
        t.http.post(`/probe/tenants/${tn.id}/request`, {
          token: owner.token,
          body: { key: `p${i}` },
        });
      for (let i = 0; i < 60; i++) await startOne(i);
      const existing = (
        await t.db.query<{ id: string }>('SELECT id FROM operation_runs WHERE workspace_id = $1', [
          ws.id,
        ])
      ).map((row) => row.id);
      expect(existing).toHaveLength(60);

      let inserting = true;
      const inserter = (async () => {
        for (let i = 1000; inserting; i++) await startOne(i);
      })();
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await t.http.get(
          `/operations?limit=7${cursor ? `&cursor=${cursor}` : ''}`,
          { token: owner.token },
        );
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(7);
        seen.push(...page.body.items.map((run: any) => run.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      inserting = false;
      await inserter;

      expect(new Set(seen).size).toBe(seen.length);
      for (const id of existing) expect(seen).toContain(id);
      const sorted = [...seen].sort().reverse();
      expect(seen).toEqual(sorted); // newest first, throughout
    });
  });

  describe('POST /operations/{id}/cancel', () => {
    it('completes a queued run as cancelled at once, then refuses a second cancel with 409', async () => {
      // Its own workspace: the run it makes (and completes) would otherwise be in the lists above.
      const { tenant: own, member } = await t.world.tenantWithMember('operator');
      const { body } = await t.http.post(`/probe/tenants/${own.id}/active`, {
        token: member.token,
        body: { key: 'to-cancel' },
      });
      const cancelled = await t.http.post(`/operations/${body.run.id}/cancel`, {
        token: member.token,
      });
      expect(cancelled.status).toBe(202);
      expect(cancelled.body).toMatchObject({ status: 'completed', outcome: 'cancelled' });
      const again = await t.http.post(`/operations/${body.run.id}/cancel`, {
        token: member.token,
      });
      expect(again.status).toBe(409);
    });

    it('needs the capability of the run type', async () => {
      const response = await t.http.post(`/operations/${activeRun}/cancel`, {
        token: callers.readonly.token,
      });
      expect(response.status).toBe(403);
    });
  });
});
