import { randomUUID } from 'node:crypto';
import type { Tenant } from '#libs/tenancy';
import { startTestApp, type TestApp } from '../support/test-app.js';
import type { TestUser, WorkspaceBuilder } from '../support/world.js';

describe('access-control', () => {
  /**
   * SPEC §1: not a member → 404 with the very body of a missing record; member without the
   * capability → 403; a refused mutation changes nothing. Expected statuses are the spec's role
   * table written out by hand, not derived from the code under test.
   */
  type Caller = 'owner' | 'manager' | 'operator' | 'readonly' | 'outsider';
  const CALLERS: Caller[] = ['owner', 'manager', 'operator', 'readonly', 'outsider'];

  interface Fixture {
    workspace: WorkspaceBuilder;
    tenant: Tenant;
    callers: Record<Caller, TestUser>;
    newcomer: TestUser;
  }

  interface RouteCase {
    name: string;
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
    path: (f: { workspaceId: string; tenantId: string }) => string;
    body?: (f: Fixture) => unknown;
    mutation: boolean;
    expected: Record<Caller, number>;
  }

  const VIEW = { owner: 200, manager: 200, operator: 200, readonly: 200, outsider: 404 };

  const ROUTES: RouteCase[] = [
    {
      name: 'add a member',
      method: 'POST',
      path: (f) => `/workspaces/${f.workspaceId}/members`,
      body: (f) => ({ userId: f.newcomer.id, role: 'operator' }),
      mutation: true,
      expected: { owner: 201, manager: 403, operator: 403, readonly: 403, outsider: 404 },
    },
    {
      name: 'create a tenant',
      method: 'POST',
      path: (f) => `/workspaces/${f.workspaceId}/tenants`,
      body: () => ({
        displayName: 'New tenant',
        entraTenantId: randomUUID(),
        clientId: randomUUID(),
        clientSecret: 'a-client-secret',
      }),
      mutation: true,
      expected: { owner: 201, manager: 201, operator: 403, readonly: 403, outsider: 404 },
    },
    {
      name: 'list tenants',
      method: 'GET',
      path: (f) => `/workspaces/${f.workspaceId}/tenants`,
      mutation: false,
      expected: VIEW,
    },
    {
      name: 'view a tenant',
      method: 'GET',
      path: (f) => `/tenants/${f.tenantId}`,
      mutation: false,
      expected: VIEW,
    },
    {
      name: 'update a tenant',
      method: 'PATCH',
      path: (f) => `/tenants/${f.tenantId}`,
      body: () => ({ displayName: 'Renamed', clientSecret: 'rotated-secret' }),
      mutation: true,
      expected: { owner: 200, manager: 200, operator: 403, readonly: 403, outsider: 404 },
    },
    {
      name: 'delete a tenant',
      method: 'DELETE',
      path: (f) => `/tenants/${f.tenantId}`,
      mutation: true,
      expected: { owner: 204, manager: 204, operator: 403, readonly: 403, outsider: 404 },
    },
  ];

  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  async function fixture(): Promise<Fixture> {
    const workspace = await t.world.workspace();
    const other = await t.world.workspace();
    const callers = {
      owner: await workspace.member('owner'),
      manager: await workspace.member('manager'),
      operator: await workspace.member('operator'),
      readonly: await workspace.member('readonly'),
      // An owner elsewhere: powerful, but not in this workspace.
      outsider: await other.member('owner'),
    };
    return { workspace, tenant: await workspace.tenant(), callers, newcomer: await t.world.user() };
  }

  /** Every row of every table, so "nothing changed" can be asserted whole. */
  async function snapshot(): Promise<string> {
    const tables = ['workspaces', 'users', 'workspace_memberships', 'tenants', 'audit_log'];
    const parts = await Promise.all(
      tables.map(async (table) =>
        JSON.stringify(await t.db.query(`SELECT * FROM ${table} ORDER BY 1, 2`)),
      ),
    );
    return parts.join('\n');
  }

  describe.each(ROUTES)('$method $name', (route) => {
    it.each(CALLERS)('answers %s as the role table says', async (caller) => {
      const f = await fixture();
      const expected = route.expected[caller];
      const before = expected >= 400 && route.mutation ? await snapshot() : undefined;

      const response = await t.http.request(
        route.method,
        route.path({ workspaceId: f.workspace.id, tenantId: f.tenant.id }),
        { token: f.callers[caller].token, body: route.body?.(f) },
      );

      expect(response.status).toBe(expected);
      if (expected >= 400) {
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(response.body.status).toBe(expected);
      }
      if (before !== undefined) expect(await snapshot()).toBe(before);
    });

    it('answers an outsider exactly as it answers a record that does not exist', async () => {
      const f = await fixture();
      const headers = { 'x-request-id': 'same-request-id' };
      const existing = { workspaceId: f.workspace.id, tenantId: f.tenant.id };
      const missing = { workspaceId: randomUUID(), tenantId: randomUUID() };
      const malformed = { workspaceId: 'not-an-id', tenantId: 'not-an-id' };

      const outsider = await t.http.request(route.method, route.path(existing), {
        token: f.callers.outsider.token,
        body: route.body?.(f),
        headers,
      });
      for (const ids of [missing, malformed]) {
        const absent = await t.http.request(route.method, route.path(ids), {
          token: f.callers.owner.token,
          body: route.body?.(f),
          headers,
        });
        expect(absent.status).toBe(404);
        expect(absent.text).toBe(outsider.text);
        expect(absent.headers.get('content-type')).toBe(outsider.headers.get('content-type'));
      }
    });
  });

  describe('a deleted tenant', () => {
    it('is gone for everyone, with the same 404', async () => {
      const f = await fixture();
      expect(
        (await t.http.delete(`/tenants/${f.tenant.id}`, { token: f.callers.owner.token })).status,
      ).toBe(204);
      const afterDelete = await t.http.get(`/tenants/${f.tenant.id}`, {
        token: f.callers.owner.token,
      });
      expect(afterDelete.status).toBe(404);
      const list = await t.http.get(`/workspaces/${f.workspace.id}/tenants`, {
        token: f.callers.readonly.token,
      });
      expect(list.body.items).toEqual([]);
    });
  });

  describe('GET /me', () => {
    it('shows the caller, each membership and the capabilities it grants', async () => {
      const f = await fixture();
      const response = await t.http.get('/me', { token: f.callers.operator.token });
      expect(response.status).toBe(200);
      expect(response.body.user).toEqual({
        id: f.callers.operator.id,
        email: f.callers.operator.email,
        name: f.callers.operator.name,
      });
      expect(response.body.memberships).toEqual([
        expect.objectContaining({
          workspaceId: f.workspace.id,
          role: 'operator',
          capabilities: [
            'tenant.view',
            'inventory.sync',
            'directory.sync',
            'drift.generate',
            'backup.run',
          ],
        }),
      ]);
    });
  });

  describe('memberships', () => {
    it('changes the role of an existing member with 200 and keeps the last owner', async () => {
      const f = await fixture();
      const owner = f.callers.owner;
      const changed = await t.http.post(`/workspaces/${f.workspace.id}/members`, {
        token: owner.token,
        body: { userId: f.callers.readonly.id, role: 'manager' },
      });
      expect(changed.status).toBe(200);
      expect(changed.body.role).toBe('manager');

      const demoteSelf = await t.http.post(`/workspaces/${f.workspace.id}/members`, {
        token: owner.token,
        body: { userId: owner.id, role: 'readonly' },
      });
      expect(demoteSelf.status).toBe(409);
      expect(demoteSelf.body.code).toBe('tenancy.last_owner');
    });

    it('writes an audit entry for each mutation, naming the actor', async () => {
      const f = await fixture();
      await t.http.post(`/workspaces/${f.workspace.id}/members`, {
        token: f.callers.owner.token,
        body: { userId: f.newcomer.id, role: 'readonly' },
      });
      await t.http.patch(`/tenants/${f.tenant.id}`, {
        token: f.callers.manager.token,
        body: { displayName: 'X' },
      });
      const entries = await t.db.query(
        `SELECT actor_user_id, action, target_id, details FROM audit_log
        WHERE workspace_id = $1 AND actor_user_id IS NOT NULL ORDER BY id`,
        [f.workspace.id],
      );
      expect(entries).toEqual([
        {
          actor_user_id: f.callers.owner.id,
          action: 'membership.create',
          target_id: f.newcomer.id,
          details: { role: 'readonly' },
        },
        {
          actor_user_id: f.callers.manager.id,
          action: 'tenant.update',
          target_id: f.tenant.id,
          details: { fields: ['displayName'] },
        },
      ]);
    });
  });
});
