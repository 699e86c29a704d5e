import { randomUUID } from 'node:crypto';
import type { Tenant } from '#libs/tenancy';
import { HttpClient } from '../support/http.js';
import { runNode } from '../support/processes.js';
import { waitForRun } from '../support/runs.js';
import { startTestApp, testEnvironment, type TestApp } from '../support/test-app.js';
import type { TestUser, WorkspaceBuilder } from '../support/world.js';

describe('run-identity', () => {
  /** SPEC §2 identity scopes, enforced by constraints, under real concurrency. */
  let t: TestApp;
  let workspace: WorkspaceBuilder;
  let tenant: Tenant;
  let operator: TestUser;

  beforeAll(async () => {
    t = await startTestApp({}, { probes: true });
    ({ workspace, tenant, member: operator } = await t.world.tenantWithMember('operator'));
  });
  afterAll(() => t?.close());

  const path = (kind: string) => `/probe/tenants/${tenant.id}/${kind}`;

  describe('active scope', () => {
    it('200 concurrent identical starts on separate connections make exactly one run, and all get its id', async () => {
      const body = { key: `storm-${randomUUID()}`, work: { sleepMs: 60_000 } };
      // A fresh client per request: no shared keep-alive connection.
      const responses = await Promise.all(
        Array.from({ length: 200 }, () =>
          new HttpClient(t.http.baseUrl).post(path('active'), {
            token: operator.token,
            body,
            headers: { connection: 'close' },
          }),
        ),
      );
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 202)).toHaveLength(1);
      expect(statuses.filter((s) => s === 200)).toHaveLength(199);
      const ids = new Set(responses.map((r) => r.body.run.id));
      expect(ids.size).toBe(1);
      const rows = await t.db.query("SELECT id FROM operation_runs WHERE context->>'key' = $1", [
        body.key,
      ]);
      await t.http.post(`/operations/${[...ids][0]}/cancel`, { token: operator.token });
      expect(rows).toEqual([{ id: [...ids][0] }]);
    });

    it('dedupes workspace-wide runs (no tenant) too', async () => {
      const owner = await workspace.member('owner');
      const body = { key: `ws-${randomUUID()}`, work: { sleepMs: 60_000 } };
      const [a, b] = await Promise.all([
        t.http.post(`/probe/workspaces/${workspace.id}`, { token: owner.token, body }),
        t.http.post(`/probe/workspaces/${workspace.id}`, { token: owner.token, body }),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 202]);
      expect(a.body.run.id).toBe(b.body.run.id);
      expect(a.body.run.tenantId).toBeNull();
      await t.http.post(`/operations/${a.body.run.id}/cancel`, { token: owner.token });
    });
  });

  describe('per-request scope', () => {
    it('makes a new run for every start', async () => {
      const body = { key: 'same-inputs' };
      const first = await t.http.post(path('request'), { token: operator.token, body });
      const second = await t.http.post(path('request'), { token: operator.token, body });
      expect([first.status, second.status]).toEqual([202, 202]);
      expect(first.body.run.id).not.toBe(second.body.run.id);
    });

    it('returns the original run for a repeated Idempotency-Key, whatever its status; keys are per caller', async () => {
      const headers = { 'idempotency-key': `retry-${randomUUID()}` };
      const body = { key: 'keyed' };
      const first = await t.http.post(path('request'), { token: operator.token, body, headers });
      expect(first.status).toBe(202);
      await waitForRun(t.http, operator.token, first.body.run.id);
      const retried = await t.http.post(path('request'), { token: operator.token, body, headers });
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({
        deduplicated: true,
        run: { id: first.body.run.id, status: 'completed' },
      });
      // The start answers with the run exactly as its canonical URL shows it.
      const canonical = await t.http.get(`/operations/${first.body.run.id}`, {
        token: operator.token,
      });
      expect(retried.body.run).toEqual(canonical.body);
      expect(first.body.run).toEqual({
        ...canonical.body,
        status: 'queued',
        outcome: 'pending',
        summaryCounts: {},
        failures: [],
        attempts: 0,
        startedAt: null,
        completedAt: null,
        durationMs: null,
      });

      const colleague = await workspace.member('operator');
      const theirs = await t.http.post(path('request'), { token: colleague.token, body, headers });
      expect(theirs.status).toBe(202);
      expect(theirs.body.run.id).not.toBe(first.body.run.id);
    });

    it('refuses a malformed Idempotency-Key naming the header', async () => {
      const response = await t.http.post(path('request'), {
        token: operator.token,
        body: { key: 'x' },
        headers: { 'idempotency-key': 'has spaces in it' },
      });
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([
        { field: 'Idempotency-Key', messages: [expect.any(String)] },
      ]);
    });
  });

  describe('strict scope', () => {
    it('raced from five processes makes exactly one run, ever', async () => {
      const key = `strict-${randomUUID()}`;
      const env = {
        ...testEnvironment(t.db.url, { LOG_LEVEL: 'warn' }),
        REDIS_PREFIX: t.config.redis.prefix,
        WORKSPACE_ID: workspace.id,
        TENANT_ID: tenant.id,
        PROBE_KEY: key,
        START_AT: String(Date.now() + 2500),
      };
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          runNode('dist/test/support/probe-process.js', ['start-strict'], env),
        ),
      );
      for (const result of results)
        expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      const outputs = results.map((result) => JSON.parse(result.stdout));
      expect(new Set(outputs.map((o) => o.id)).size).toBe(1);
      expect(outputs.filter((o) => !o.deduplicated)).toHaveLength(1);

      // Still one after it has completed: strict identity is forever.
      await waitForRun(t.http, operator.token, outputs[0].id);
      const again = await t.http.post(path('strict'), { token: operator.token, body: { key } });
      expect(again.status).toBe(200);
      expect(again.body.run.id).toBe(outputs[0].id);
      const rows = await t.db.query(
        "SELECT count(*)::int AS n FROM operation_runs WHERE context->>'key' = $1",
        [key],
      );
      expect(rows).toEqual([{ n: 1 }]);
    }, 180_000); // five Nest processes boot at once; slow on a loaded machine
  });
});
