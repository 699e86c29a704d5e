import { ApiTokensService, CLI_ACTOR, type Tenant } from '#libs/tenancy';
import { eventually } from '../support/eventually.js';
import { runCli } from '../support/processes.js';
import { waitForStatus } from '../support/runs.js';
import { startTestApp, testEnvironment, type TestApp } from '../support/test-app.js';
import type { TestUser, WorkspaceBuilder } from '../support/world.js';

describe('access-management', () => {
  let t: TestApp;
  let workspace: WorkspaceBuilder;
  let tenant: Tenant;
  let owner: TestUser;

  beforeAll(async () => {
    t = await startTestApp({}, { probes: true });
    workspace = await t.world.workspace();
    tenant = await workspace.tenant();
    owner = await workspace.member('owner');
  });
  afterAll(() => t?.close());

  describe('/me/tokens', () => {
    it('creates a token shown once, lists it without the secret, and revokes it', async () => {
      const user = await t.world.user();
      const created = await t.http.post('/me/tokens', {
        token: user.token,
        body: { name: 'laptop' },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'laptop', expiresAt: null, expired: false });
      expect(created.body.token).toMatch(/^tops_[A-Za-z0-9]{44}$/);
      expect((await t.http.get('/me', { token: created.body.token })).status).toBe(200);

      // The use is recorded beside the request, not in it (`last_used_at` is a hint): soon after.
      const list = await eventually(
        () => t.http.get('/me/tokens', { token: user.token }),
        5000,
        (answer) => answer.body.items?.[0]?.lastUsedAt,
      );
      expect(list.status).toBe(200);
      expect(list.body.items.map((item: { name: string }) => item.name)).toEqual([
        'laptop',
        'test',
      ]);
      expect(list.text).not.toContain(created.body.token);
      expect(list.body.items[0]).toEqual({
        id: created.body.id,
        name: 'laptop',
        createdAt: expect.any(String),
        lastUsedAt: expect.any(String), // used above
        expiresAt: null,
        expired: false,
      });

      const revoked = await t.http.delete(`/me/tokens/${created.body.id}`, { token: user.token });
      expect(revoked.status).toBe(204);
      expect((await t.http.get('/me', { token: created.body.token })).status).toBe(401);
      const [entry] = await t.db.query(
        `SELECT action, actor_user_id FROM audit_log WHERE target_id = $1 ORDER BY id DESC LIMIT 1`,
        [created.body.id],
      );
      expect(entry).toEqual({ action: 'api_token.revoke', actor_user_id: user.id });
    });

    it('never touches someone else’s token: 404, as for one that does not exist', async () => {
      const alice = await t.world.user();
      const mallory = await t.world.user();
      const token = await t.http.post('/me/tokens', { token: alice.token, body: { name: 'a' } });
      const attempt = await t.http.delete(`/me/tokens/${token.body.id}`, { token: mallory.token });
      const missing = await t.http.delete('/me/tokens/0190f7a2-0000-7000-8000-000000000000', {
        token: mallory.token,
      });
      expect(attempt.status).toBe(404);
      expect({ ...attempt.body, requestId: null }).toEqual({ ...missing.body, requestId: null });
      expect((await t.http.get('/me', { token: token.body.token })).status).toBe(200);
    });

    it('refuses an expired token with 401', async () => {
      const user = await t.world.user();
      const created = await t.http.post('/me/tokens', {
        token: user.token,
        body: { name: 'short', expiresAt: new Date(Date.now() + 60_000).toISOString() },
      });
      expect(created.status).toBe(201);
      expect((await t.http.get('/me', { token: created.body.token })).status).toBe(200);
      // Its expiry passes (moved into the past rather than waited for).
      await t.db.query(
        `UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`,
        [created.body.id],
      );
      const refused = await t.http.get('/me', { token: created.body.token });
      expect(refused.status).toBe(401);
      expect(refused.body.detail).toMatch(/expired/);
      const list = await t.http.get('/me/tokens', { token: user.token });
      expect(
        list.body.items.find((item: { id: string }) => item.id === created.body.id),
      ).toMatchObject({ expired: true });
    });

    it('refuses a token whose expiry passes while its holder is cached', async () => {
      const cached = await startTestApp({ AUTH_CACHE_SECONDS: '300' });
      try {
        const user = await cached.world.user();
        const { token } = await cached.app
          .get(ApiTokensService)
          .issue(user.id, 'brief', CLI_ACTOR, new Date(Date.now() + 1500));
        expect((await cached.http.get('/me', { token })).status).toBe(200);
        // The holder stays cached for 300 s; the expiry read with it is checked on every use.
        expect(
          await eventually(
            async () => (await cached.http.get('/me', { token })).status === 401,
            10_000,
          ),
        ).toBe(true);
      } finally {
        await cached.close();
      }
    });

    it('names the field of a bad body with 400', async () => {
      const user = await t.world.user();
      for (const body of [
        {},
        { name: '' },
        { name: 'x', expiresAt: 'soon' },
        { name: 'x', expiresAt: '2001-01-01T00:00:00Z' },
      ]) {
        const response = await t.http.post('/me/tokens', { token: user.token, body });
        expect(response.status).toBe(400);
        expect(response.body.errors.map((e: { field: string }) => e.field)).toEqual([
          'name' in body && body.name ? 'expiresAt' : 'name',
        ]);
      }
    });

    it('lets the CLI make a token that expires', async () => {
      const user = await t.world.user();
      const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
      const result = await runCli(
        ['token:create', '--user', user.id, '--name', 'ci', '--expires-at', expiresAt],
        testEnvironment(t.db.url),
      );
      expect(result.code).toBe(0);
      const { token } = JSON.parse(result.stdout);
      const list = await t.http.get('/me/tokens', { token });
      expect(list.body.items.find((item: { name: string }) => item.name === 'ci').expiresAt).toBe(
        expiresAt,
      );
    });
  });

  describe('workspace members', () => {
    it('lists the members for workspace.manage only (404 for strangers, 403 for others)', async () => {
      const manager = await workspace.member('manager');
      const stranger = await t.world.user();
      const list = await t.http.get(`/workspaces/${workspace.id}/members`, { token: owner.token });
      expect(list.status).toBe(200);
      expect(list.body.items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ userId: owner.id, role: 'owner', email: owner.email }),
          expect.objectContaining({ userId: manager.id, role: 'manager', name: manager.name }),
        ]),
      );
      const strangerList = await t.http.get(`/workspaces/${workspace.id}/members`, {
        token: stranger.token,
      });
      expect(strangerList.status).toBe(404);
      expect(
        (await t.http.get(`/workspaces/${workspace.id}/members`, { token: manager.token })).status,
      ).toBe(403);
    });

    it('removes a member, who loses access at once, and audits it', async () => {
      const operator = await workspace.member('operator');
      expect((await t.http.get(`/tenants/${tenant.id}`, { token: operator.token })).status).toBe(
        200,
      );
      const removed = await t.http.delete(`/workspaces/${workspace.id}/members/${operator.id}`, {
        token: owner.token,
      });
      expect(removed.status).toBe(204);
      expect((await t.http.get(`/tenants/${tenant.id}`, { token: operator.token })).status).toBe(
        404,
      );
      const again = await t.http.delete(`/workspaces/${workspace.id}/members/${operator.id}`, {
        token: owner.token,
      });
      expect(again.status).toBe(404);
      const log = await t.http.get(
        `/workspaces/${workspace.id}/audit-log?action=membership.delete&recordId=${operator.id}`,
        { token: owner.token },
      );
      expect(log.body.items).toEqual([
        expect.objectContaining({
          action: 'membership.delete',
          actor: { userId: owner.id, name: owner.name },
          record: { type: 'user', id: operator.id },
          details: { previousRole: 'operator' },
        }),
      ]);
    });

    it('never removes the last owner', async () => {
      const solo = await t.world.workspace();
      const only = await solo.member('owner');
      const refused = await t.http.delete(`/workspaces/${solo.id}/members/${only.id}`, {
        token: only.token,
      });
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('tenancy.last_owner');
      const second = await solo.member('owner');
      expect(
        (await t.http.delete(`/workspaces/${solo.id}/members/${only.id}`, { token: second.token }))
          .status,
      ).toBe(204);
    });
  });

  describe('GET /workspaces/{id}/audit-log', () => {
    it('pages newest first with a cursor and filters by actor, action, record and date', async () => {
      const log = await t.world.workspace();
      const boss = await log.member('owner');
      for (let i = 0; i < 3; i++) await log.tenant({ displayName: `Audited ${i}` });
      const tenantEntries = await t.http.get(
        `/workspaces/${log.id}/audit-log?action=tenant.create&limit=2`,
        { token: boss.token },
      );
      expect(tenantEntries.status).toBe(200);
      expect(tenantEntries.body.items).toHaveLength(2);
      const next = await t.http.get(
        `/workspaces/${log.id}/audit-log?action=tenant.create&limit=2&cursor=${tenantEntries.body.nextCursor}`,
        { token: boss.token },
      );
      expect(next.body).toMatchObject({ nextCursor: null });
      const ids = [...tenantEntries.body.items, ...next.body.items].map((e: { id: string }) =>
        Number(e.id),
      );
      expect(ids).toHaveLength(3);
      expect([...ids].sort((a, b) => b - a)).toEqual(ids);

      const byCli = await t.http.get(`/workspaces/${log.id}/audit-log?recordType=tenant`, {
        token: boss.token,
      });
      expect(
        byCli.body.items.every((e: { actor: { name: string } }) => e.actor.name === 'cli'),
      ).toBe(true);
      const byBoss = await t.http.get(`/workspaces/${log.id}/audit-log?actorId=${boss.id}`, {
        token: boss.token,
      });
      expect(byBoss.body.items).toEqual([]);
      const future = await t.http.get(
        `/workspaces/${log.id}/audit-log?from=${new Date(Date.now() + 60_000).toISOString()}`,
        { token: boss.token },
      );
      expect(future.body.items).toEqual([]);
      const past = await t.http.get(`/workspaces/${log.id}/audit-log?to=2000-01-01T00:00:00Z`, {
        token: boss.token,
      });
      expect(past.body.items).toEqual([]);
    });

    it('needs workspace.manage, and names a bad filter with 400', async () => {
      const manager = await workspace.member('manager');
      expect(
        (await t.http.get(`/workspaces/${workspace.id}/audit-log`, { token: manager.token }))
          .status,
      ).toBe(403);
      for (const [query, field] of [
        ['actorId=nope', 'actorId'],
        ['from=yesterday', 'from'],
        ['cursor=abc', 'cursor'],
        ['action=DROP%20TABLE', 'action'],
      ]) {
        const response = await t.http.get(`/workspaces/${workspace.id}/audit-log?${query}`, {
          token: owner.token,
        });
        expect(response.status).toBe(400);
        expect(response.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
      }
    });

    it('records run cancels', async () => {
      const operator = await workspace.member('operator');
      const started = await t.http.post(`/probe/tenants/${tenant.id}/active`, {
        token: operator.token,
        body: { key: 'cancel-me', work: { sleepMs: 20_000 } },
      });
      const runId = started.body.run.id;
      await waitForStatus(t.http, operator.token, runId, 'running');
      const cancel = await t.http.post(`/operations/${runId}/cancel`, { token: operator.token });
      expect(cancel.status).toBe(202);
      const log = await t.http.get(
        `/workspaces/${workspace.id}/audit-log?action=operation_run.cancel&recordId=${runId}`,
        { token: owner.token },
      );
      expect(log.body.items).toEqual([
        expect.objectContaining({
          actor: { userId: operator.id, name: operator.name },
          record: { type: 'operation_run', id: runId },
          tenantId: tenant.id,
          details: { type: 'probe_active', statusWhenCancelled: 'running' },
        }),
      ]);
    });
  });
});
