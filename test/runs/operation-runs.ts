import { OperationRunsService } from '#libs/operation-runs';
import type { Tenant } from '#libs/tenancy';
import { eventually } from '../support/eventually.js';
import { probeExecutions } from '../support/probe-runs.module.js';
import { waitForRun, waitForStatus } from '../support/runs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import type { TestUser, WorkspaceBuilder } from '../support/world.js';

describe('operation-runs', () => {
  let t: TestApp;
  let workspace: WorkspaceBuilder;
  let tenant: Tenant;
  let operator: TestUser;

  beforeAll(async () => {
    t = await startTestApp({}, { probes: true });
    ({ workspace, tenant, member: operator } = await t.world.tenantWithMember('operator'));
  });
  afterAll(() => t?.close());

  const start = (
    kind: string,
    body: object,
    token = operator.token,
    headers?: Record<string, string>,
  ) => t.http.post(`/probe/tenants/${tenant.id}/${kind}`, { token, body, headers });

  let keys = 0;
  const key = () => `key-${++keys}-${Date.now()}`;

  describe('starting a run', () => {
    it('answers 202 with the run and its canonical URL, then the worker completes it', async () => {
      const response = await start('active', { key: key(), work: { succeeded: 3 } });
      expect(response.status).toBe(202);
      expect(response.headers.get('location')).toBe(`/operations/${response.body.run.id}`);
      expect(response.body).toMatchObject({
        deduplicated: false,
        run: {
          workspaceId: workspace.id,
          tenantId: tenant.id,
          type: 'probe_active',
          status: 'queued',
          outcome: 'pending',
          initiator: { userId: operator.id, name: operator.name },
          identity: { scope: 'active', hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
          links: { self: `/operations/${response.body.run.id}` },
        },
      });
      const run = await waitForRun(t.http, operator.token, response.body.run.id);
      expect(run).toMatchObject({
        status: 'completed',
        outcome: 'succeeded',
        attempts: 1,
        summaryCounts: { total: 3, succeeded: 3 },
        failures: [],
      });
      expect(run.durationMs).toBeGreaterThanOrEqual(0);
      expect(new Date(run.completedAt).getTime()).toBeGreaterThanOrEqual(
        new Date(run.startedAt).getTime(),
      );
    });

    it('returns the active run for a second identical start (200, deduplicated), and a new one after it ends', async () => {
      // Long enough to still be active under any load; cancelled below to end it.
      const body = { key: key(), work: { sleepMs: 60_000 } };
      const first = await start('active', body);
      const second = await start('active', { ...body, work: { sleepMs: 1 } });
      expect(second.status).toBe(200);
      expect(second.body.deduplicated).toBe(true);
      expect(second.body.run.id).toBe(first.body.run.id);
      expect(second.headers.get('location')).toBe(`/operations/${first.body.run.id}`);
      await t.http.post(`/operations/${first.body.run.id}/cancel`, { token: operator.token });
      await waitForRun(t.http, operator.token, first.body.run.id);
      const third = await start('active', { key: body.key });
      expect(third.status).toBe(202);
      expect(third.body.run.id).not.toBe(first.body.run.id);
    });

    it('writes the starts made in one turn in one statement, and answers each on its own', async () => {
      const runs = t.app.get(OperationRunsService);
      const common = { workspaceId: workspace.id, tenantId: tenant.id, initiator: null };
      const same = { key: key() };
      const idempotencyKey = key();
      const starts = (n: number, start: () => ReturnType<OperationRunsService['start']>) =>
        Array.from({ length: n }, start);
      const [active, perRequest, keyed] = await Promise.all([
        Promise.all(starts(3, () => runs.start({ ...common, type: 'probe_active', inputs: same }))),
        Promise.all(
          starts(3, () => runs.start({ ...common, type: 'probe_request', inputs: { key: key() } })),
        ),
        Promise.all(
          starts(3, () =>
            runs.start({ ...common, type: 'probe_request', inputs: same, idempotencyKey }),
          ),
        ),
      ]);
      for (const identical of [active, keyed]) {
        expect(identical.filter((s) => !s.deduplicated)).toHaveLength(1);
        expect(new Set(identical.map((s) => s.run.id)).size).toBe(1);
      }
      expect(perRequest.filter((s) => !s.deduplicated)).toHaveLength(3);
      const ids = [...new Set([...active, ...perRequest, ...keyed].map((s) => s.run.id))];
      expect(ids).toHaveLength(5);
      // One statement, one transaction time.
      expect(
        await t.db.query(
          `SELECT count(*)::int AS runs, count(DISTINCT created_at)::int AS statements
           FROM operation_runs WHERE id = ANY($1)`,
          [ids],
        ),
      ).toEqual([{ runs: 5, statements: 1 }]);
      for (const id of ids)
        expect((await waitForRun(t.http, operator.token, id)).outcome).toBe('succeeded');
    });

    it('fails only the start whose row the database refuses, not the others of its turn', async () => {
      const runs = t.app.get(OperationRunsService);
      const start = (inputs: { key: string }) =>
        runs.start({
          type: 'probe_request',
          workspaceId: workspace.id,
          tenantId: tenant.id,
          inputs,
          initiator: null,
        });
      // A NUL character (refused by the API's validation) cannot be stored in jsonb.
      const [before, bad, after] = await Promise.allSettled([
        start({ key: key() }),
        start({ key: 'bad\u0000key' }),
        start({ key: key() }),
      ]);
      expect(bad.status).toBe('rejected');
      for (const good of [before, after]) {
        expect(good.status).toBe('fulfilled');
        const { run } = (good as PromiseFulfilledResult<{ run: { id: string } }>).value;
        expect((await waitForRun(t.http, operator.token, run.id)).outcome).toBe('succeeded');
      }
    });

    it('refuses a caller without the type capability with 403, creating nothing', async () => {
      // A tenant of its own, whose runs are only those this start could have made.
      const own = await t.world.tenantWithMember('readonly');
      const response = await t.http.post(`/probe/tenants/${own.tenant.id}/active`, {
        token: own.member.token,
        body: { key: key() },
      });
      expect(response.status).toBe(403);
      expect(
        await t.db.query(
          'SELECT id FROM operation_runs WHERE workspace_id = $1 OR tenant_id = $2 OR initiator_user_id = $3',
          [own.workspace.id, own.tenant.id, own.member.id],
        ),
      ).toEqual([]);
      expect(
        await t.db.query('SELECT id FROM notifications WHERE user_id = $1', [own.member.id]),
      ).toEqual([]);
    });
  });

  describe('outcomes', () => {
    it('retries within the same run, counting attempts', async () => {
      const { body } = await start('active', { key: key(), work: { failAttempts: 1 } });
      const run = await waitForRun(t.http, operator.token, body.run.id);
      expect(run).toMatchObject({ outcome: 'succeeded', attempts: 2, failures: [] });
    });

    it('fails at once on a non-retryable error, keeping its code', async () => {
      const { body } = await start('active', { key: key(), work: { nonRetryable: true } });
      const run = await waitForRun(t.http, operator.token, body.run.id);
      expect(run).toMatchObject({
        outcome: 'failed',
        attempts: 1,
        failures: [{ code: 'probe.denied' }],
      });
    });

    it('fails after the last attempt, with the error sanitised', async () => {
      const { body } = await start('active', {
        key: key(),
        work: {
          failAttempts: 5,
          errorMessage: 'login failed: client_secret=Sup3rS3cret! Authorization: Bearer abc.def',
        },
      });
      const run = await waitForRun(t.http, operator.token, body.run.id);
      expect(run).toMatchObject({
        outcome: 'failed',
        attempts: 2,
        failures: [{ code: 'run.exception' }],
      });
      // (The inputs are the test's own; what the product wrote is the failure and the logs.)
      expect(JSON.stringify(run.failures)).not.toMatch(/Sup3rS3cret|abc\.def/);
      expect(t.logs.join('\n')).not.toMatch(/Sup3rS3cret|abc\.def/);
    });

    it('is partially_succeeded when some items failed and some succeeded, failed when none succeeded', async () => {
      const partial = await start('active', { key: key(), work: { succeeded: 2, failed: 1 } });
      const none = await start('active', { key: key(), work: { succeeded: 0, failed: 2 } });
      expect(await waitForRun(t.http, operator.token, partial.body.run.id)).toMatchObject({
        outcome: 'partially_succeeded',
        summaryCounts: { total: 3, succeeded: 2, failed: 1 },
        failures: [{ code: 'probe.item_failed', message: 'item 0: The item failed.' }],
      });
      expect(await waitForRun(t.http, operator.token, none.body.run.id)).toMatchObject({
        outcome: 'failed',
      });
    });

    it('is skipped, with a code, when the work is not needed', async () => {
      const { body } = await start('active', { key: key(), work: { skip: true } });
      expect(await waitForRun(t.http, operator.token, body.run.id)).toMatchObject({
        outcome: 'skipped',
        failures: [{ code: 'probe.not_needed' }],
      });
    });

    it('cancels a running run at its next heartbeat', async () => {
      const { body } = await start('active', { key: key(), work: { sleepMs: 60_000 } });
      await waitForStatus(t.http, operator.token, body.run.id, 'running');
      const cancel = await t.http.post(`/operations/${body.run.id}/cancel`, {
        token: operator.token,
      });
      expect(cancel.status).toBe(202);
      const run = await waitForRun(t.http, operator.token, body.run.id, 30_000);
      expect(run.outcome).toBe('cancelled');
      const again = await t.http.post(`/operations/${body.run.id}/cancel`, {
        token: operator.token,
      });
      expect(again.status).toBe(409);
    });

    it('still hears a cancel while its worker shuts down, instead of being waited out', async () => {
      // A process of its own, closed while its run sleeps: closing waits for the runs it executes.
      const own = await startTestApp({}, { probes: true });
      let closing: Promise<void> | undefined;
      try {
        const { tenant: theirs, member } = await own.world.tenantWithMember('operator');
        const { body } = await own.http.post(`/probe/tenants/${theirs.id}/active`, {
          token: member.token,
          body: { key: key(), work: { sleepMs: 60_000 } },
        });
        await waitForStatus(own.http, member.token, body.run.id, 'running');
        closing = own.app.close();
        // The API still answers while the worker drains its queues.
        const cancel = await own.http.post(`/operations/${body.run.id}/cancel`, {
          token: member.token,
        });
        expect(cancel.status).toBe(202);
        await closing;
        expect(
          await own.db.query('SELECT status, outcome FROM operation_runs WHERE id = $1', [
            body.run.id,
          ]),
        ).toEqual([{ status: 'completed', outcome: 'cancelled' }]);
      } finally {
        await (closing ?? own.app.close());
        await own.db.drop();
      }
    });
  });

  describe('notifications', () => {
    it('tell the initiator, and nobody else, when the run is queued and when it completes', async () => {
      const initiator = await workspace.member('operator');
      const bystander = await workspace.member('owner');
      const { body } = await start('active', { key: key() }, initiator.token);
      await waitForRun(t.http, initiator.token, body.run.id);

      const mine = await t.http.get('/me/notifications', { token: initiator.token });
      expect(mine.body.items).toEqual([
        expect.objectContaining({
          event: 'run.completed',
          runId: body.run.id,
          outcome: 'succeeded',
          title: 'Probe succeeded',
          link: `/operations/${body.run.id}`,
        }),
        expect.objectContaining({
          event: 'run.queued',
          runId: body.run.id,
          outcome: null,
          title: 'Probe queued',
        }),
      ]);
      expect(
        (await t.http.get('/me/notifications', { token: bystander.token })).body.items,
      ).toEqual([]);

      const read = await t.http.post(`/me/notifications/${mine.body.items[0].id}/read`, {
        token: initiator.token,
      });
      expect(read.status).toBe(204);
      const unread = await t.http.get('/me/notifications?unread=true', { token: initiator.token });
      expect(unread.body.items.map((n: any) => n.event)).toEqual(['run.queued']);
      const notMine = await t.http.post(`/me/notifications/${mine.body.items[1].id}/read`, {
        token: bystander.token,
      });
      expect(notMine.status).toBe(404);
    });
  });

  describe('initiators', () => {
    it('keep their name on the run after the user is deleted', async () => {
      const leaver = await workspace.member('operator');
      const { body } = await start('active', { key: key() }, leaver.token);
      await waitForRun(t.http, operator.token, body.run.id);
      await t.db.query('DELETE FROM users WHERE id = $1', [leaver.id]);
      const run = (await t.http.get(`/operations/${body.run.id}`, { token: operator.token })).body;
      expect(run.initiator).toEqual({ userId: null, name: leaver.name });
      expect(
        await t.db.query('SELECT 1 FROM notifications WHERE user_id = $1', [leaver.id]),
      ).toEqual([]);
    });

    it('are null for system runs, which notify nobody', async () => {
      const { run } = await t.app.get(OperationRunsService).start({
        type: 'probe_active',
        workspaceId: workspace.id,
        tenantId: tenant.id,
        inputs: { key: key() },
        initiator: null,
      });
      const done = await waitForRun(t.http, operator.token, run.id);
      expect(done.initiator).toBeNull();
      expect(await t.db.query('SELECT 1 FROM notifications WHERE run_id = $1', [run.id])).toEqual(
        [],
      );
    });
  });

  describe('history when its parents are deleted outright', () => {
    it('keeps a deleted tenant’s runs without the tenant, and goes with a deleted workspace', async () => {
      const other = await t.world.tenantWithMember('operator');
      const started = await t.http.post(`/probe/tenants/${other.tenant.id}/active`, {
        token: other.member.token,
        body: { key: key() },
      });
      const id = started.body.run.id;
      await waitForRun(t.http, other.member.token, id);
      const runRow = () =>
        t.db.query('SELECT tenant_id AS "tenantId" FROM operation_runs WHERE id = $1', [id]);

      await t.db.query('DELETE FROM tenants WHERE id = $1', [other.tenant.id]);
      expect(await runRow()).toEqual([{ tenantId: null }]);
      await t.db.query('DELETE FROM workspaces WHERE id = $1', [other.workspace.id]);
      expect(await runRow()).toEqual([]);
    });
  });

  describe('duplicate delivery', () => {
    it('does the work once when the same run is delivered twice', async () => {
      const { body } = await start('active', { key: key(), work: { sleepMs: 300 } });
      // A second Bull job for the same run (another job id), as a redelivery would be.
      const { RunDispatcher } = await import('../../libs/operation-runs/run-dispatcher.js');
      const again = await t.app
        .get(RunDispatcher)
        .queue('probe')
        .add('probe_active', { runId: body.run.id }, { jobId: `${body.run.id}-again` });
      const run = await waitForRun(t.http, operator.token, body.run.id);
      expect(await eventually(async () => (await again.getState()) === 'completed')).toBe(true);
      expect(run.outcome).toBe('succeeded');
      expect(probeExecutions.get(body.run.id)).toBe(1);
    });
  });
});
