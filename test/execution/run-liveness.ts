import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import {
  OperationRunsService,
  RunLivenessService,
  RunRetentionService,
} from '#libs/operation-runs';
import { RunDispatcher } from '../../libs/operation-runs/run-dispatcher.js';
import type { Tenant } from '#libs/tenancy';
import { TEST_REDIS_URL } from '../support/environment.js';
import { eventually } from '../support/eventually.js';
import { runCli, startNode, type RunningProcess } from '../support/processes.js';
import { waitForRun, waitForStatus } from '../support/runs.js';
import { startTestApp, testEnvironment, type TestApp } from '../support/test-app.js';
import type { TestUser } from '../support/world.js';

/** Faults: lost workers, orphaned runs, jobs without runs, Redis down, retention. */
describe('run-liveness', () => {
  let t: TestApp;
  let tenant: Tenant;
  let operator: TestUser;
  let worker: RunningProcess | undefined;

  const MINUTE = 60_000;

  function startWorker(): Promise<RunningProcess> {
    const env = {
      ...testEnvironment(t.db.url, { LOG_LEVEL: 'info' }),
      REDIS_PREFIX: t.config.redis.prefix,
    };
    const process = startNode('dist/test/support/probe-process.js', env, ['worker']);
    return process.output(/worker ready/).then(() => process);
  }

  beforeAll(async () => {
    // This process only serves HTTP; runs execute in a separate worker process.
    t = await startTestApp({ APP_ROLES: 'api' }, { probes: true });
    ({ tenant, member: operator } = await t.world.tenantWithMember('operator'));
  });
  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await t?.close();
  });

  const start = (body: object, where = { tenant, operator }) =>
    t.http.post(`/probe/tenants/${where.tenant.id}/active`, { token: where.operator.token, body });
  const sweep = (minutesAhead: number) =>
    t.app.get(RunLivenessService).sweep(new Date(Date.now() + minutesAhead * MINUTE));

  /** A tenant of its own, with an operator: the runs a sweep result is read for. */
  async function ownTenant() {
    const { tenant, member: operator } = await t.world.tenantWithMember('operator');
    return { tenant, operator };
  }

  /**
   * The ids among `swept` that are runs of the tenant. A sweep looks at every run of the database:
   * a test asserts on its own runs only.
   */
  async function ofTenant(swept: string[], tenantId: string): Promise<string[]> {
    const rows = await t.db.query<{ id: string }>(
      'SELECT id FROM operation_runs WHERE id = ANY($1) AND tenant_id = $2',
      [swept, tenantId],
    );
    const own = new Set(rows.map((row) => row.id));
    return swept.filter((id) => own.has(id));
  }

  describe('a queued run whose job is gone', () => {
    it('is dispatched again until RUN_STALE_QUEUED_MINUTES, then failed as run.stale_queued, freeing its identity', async () => {
      const own = await ownTenant();
      const body = { key: `orphan-${randomUUID()}` };
      const { body: started } = await start(body, own);
      const id = started.run.id;
      const queue = t.app.get(RunDispatcher).queue('probe');
      const swept = async (minutesAhead: number) => {
        const result = await sweep(minutesAhead);
        return {
          redispatched: await ofTenant(result.redispatched, own.tenant.id),
          staleQueued: await ofTenant(result.staleQueued, own.tenant.id),
        };
      };

      // No worker yet: the job waits in Bull, so the run is left alone however old.
      expect(await swept(60)).toEqual({ redispatched: [], staleQueued: [] });
      await (await queue.getJob(id))!.remove();
      // Younger than RUN_STALE_QUEUED_MINUTES: its job is added again (job id = run id)...
      expect(await swept(1)).toEqual({ redispatched: [id], staleQueued: [] });
      expect((await queue.getJob(id))?.data).toEqual({ runId: id });
      // ... and a run with its job is never stale, however old.
      expect(await swept(60)).toEqual({ redispatched: [], staleQueued: [] });
      // Past the window with no job, it is failed.
      await (await queue.getJob(id))!.remove();
      expect(await swept(16)).toEqual({ redispatched: [], staleQueued: [id] });

      const run = (await t.http.get(`/operations/${id}`, { token: own.operator.token })).body;
      expect(run).toMatchObject({
        status: 'completed',
        outcome: 'failed',
        failures: [{ code: 'run.stale_queued' }],
      });
      const again = await start(body, own);
      expect(again.status).toBe(202);
      // Cancelled while still queued, so the worker of the next test has nothing of ours to run.
      const cancelled = await t.http.post(`/operations/${again.body.run.id}/cancel`, {
        token: own.operator.token,
      });
      expect(cancelled.body.outcome).toBe('cancelled');
    });

    it('is dispatched again when a Redis restart left an empty job of its id', async () => {
      const own = await ownTenant();
      const { body: started } = await start({ key: `emptied-${randomUUID()}` }, own);
      const id = started.run.id;
      const queue = t.app.get(RunDispatcher).queue('probe');
      await (await queue.getJob(id))!.remove();
      // What a worker's take leaves on an emptied Redis: the job's hash with `processedOn` alone.
      await queue.client.hset(queue.toKey(id), 'processedOn', Date.now());
      expect((await queue.getJob(id))?.data).toEqual({});

      expect(await ofTenant((await sweep(1)).redispatched, own.tenant.id)).toEqual([id]);
      expect((await queue.getJob(id))?.data).toEqual({ runId: id });
      const cancelled = await t.http.post(`/operations/${id}/cancel`, {
        token: own.operator.token,
      });
      expect(cancelled.body.outcome).toBe('cancelled');
    });
  });

  describe('Redis losing every job', () => {
    it('loses no run: the sweep dispatches the queued runs again and a worker runs each once', async () => {
      const own = await ownTenant();
      const ids: string[] = [];
      for (const n of [1, 2, 3]) {
        const { body } = await start({ key: `lost-jobs-${n}-${randomUUID()}` }, own);
        ids.push(body.run.id);
      }
      // Everything this app keeps in Redis goes, as when Redis restarts without persistence.
      const redis = new Redis(TEST_REDIS_URL);
      try {
        const keys = await redis.keys(`${t.config.redis.prefix}:*`);
        expect(keys.length).toBeGreaterThan(0);
        await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
      const queue = t.app.get(RunDispatcher).queue('probe');
      expect(await Promise.all(ids.map((id) => queue.getJob(id)))).toEqual([null, null, null]);

      const { redispatched, staleQueued } = await sweep(2);
      expect((await ofTenant(redispatched, own.tenant.id)).sort()).toEqual([...ids].sort());
      expect(await ofTenant(staleQueued, own.tenant.id)).toEqual([]);

      worker = await startWorker();
      for (const id of ids) {
        const run = await waitForRun(t.http, own.operator.token, id);
        expect(run).toMatchObject({ outcome: 'succeeded', attempts: 1 });
      }
    });
  });

  describe('a worker killed mid-run', () => {
    it('leaves a run that the sweep fails as worker.lost, after which the identity is free', async () => {
      const own = await ownTenant();
      worker ??= await startWorker();
      const body = { key: `lost-${randomUUID()}`, work: { sleepMs: 120_000 } };
      const { body: started } = await start(body, own);
      await waitForStatus(t.http, own.operator.token, started.run.id, 'running');
      const lost = async (minutesAhead: number) =>
        ofTenant((await sweep(minutesAhead)).lost, own.tenant.id);

      await worker.stop('SIGKILL');
      worker = undefined;
      expect(await lost(0)).toEqual([]);
      expect(await lost(11)).toEqual([started.run.id]);

      const run = (await t.http.get(`/operations/${started.run.id}`, { token: own.operator.token }))
        .body;
      expect(run).toMatchObject({
        status: 'completed',
        outcome: 'failed',
        failures: [{ code: 'worker.lost' }],
      });
      const again = await start({ key: body.key }, own);
      expect(again.status).toBe(202);
      expect(again.body.run.id).not.toBe(started.run.id);

      // A new worker runs the new start; the killed worker's job, redelivered later, finds its run completed.
      worker = await startWorker();
      expect((await waitForRun(t.http, own.operator.token, again.body.run.id)).outcome).toBe(
        'succeeded',
      );
    });
  });

  describe('a job whose run does not exist', () => {
    it('does nothing and creates nothing', async () => {
      worker ??= await startWorker();
      // A run made for such a job could be in any workspace, so the whole table is counted: nothing
      // else makes runs meanwhile (no scheduler here, and the earlier tests' runs have finished).
      const before = await t.db.query('SELECT count(*)::int AS n FROM operation_runs');
      const queue = t.app.get(RunDispatcher).queue('probe');
      const jobs = await Promise.all([
        queue.add('probe_active', { runId: randomUUID() }),
        queue.add('probe_active', { runId: 'not-a-run-id' }),
        queue.add('probe_unknown_type', { runId: randomUUID() }),
      ]);
      // Processed and removed (removeOnComplete is not set here, so wait for completion).
      expect(
        await eventually(async () => {
          const states = await Promise.all(jobs.map((job) => job.getState()));
          return states.every((state) => state === 'completed');
        }, 15_000),
      ).toBe(true);
      expect(await t.db.query('SELECT count(*)::int AS n FROM operation_runs')).toEqual(before);
    });
  });

  describe('retention', () => {
    it('prunes only runs completed before the window, leaving references NULL', async () => {
      const old = (await start({ key: `old-${randomUUID()}` })).body.run.id;
      const recent = (await start({ key: `recent-${randomUUID()}` })).body.run.id;
      const active = (await start({ key: `active-${randomUUID()}`, work: { sleepMs: 10_000 } }))
        .body.run.id;
      worker ??= await startWorker();
      await waitForRun(t.http, operator.token, old);
      await waitForRun(t.http, operator.token, recent);
      await t.db.query(
        `UPDATE operation_runs SET completed_at = now() - interval '91 days' WHERE id = $1`,
        [old],
      );

      const result = await runCli(['runs:prune'], {
        ...testEnvironment(t.db.url, { LOG_LEVEL: 'warn' }),
      });
      expect(result.code).toBe(0);
      // Only `old` (no other test of this file backdates a run) is past the window.
      expect(JSON.parse(result.stdout).pruned).toBe(1);

      const left = await t.db.query<{ id: string }>(
        'SELECT id FROM operation_runs WHERE id = ANY($1)',
        [[old, recent, active]],
      );
      expect(left.map((row) => row.id).sort()).toEqual([recent, active].sort());
      const notes = await t.db.query(`SELECT run_id, link FROM notifications WHERE link = $1`, [
        `/operations/${old}`,
      ]);
      expect(notes).toHaveLength(2);
      for (const note of notes) expect(note.run_id).toBeNull();
      expect((await t.http.get(`/operations/${old}`, { token: operator.token })).status).toBe(404);
      const mine = await t.http.get('/me/notifications', { token: operator.token });
      expect(
        mine.body.items
          .filter((n: any) => n.link === `/operations/${old}`)
          .map((n: any) => n.runId),
      ).toEqual([null, null]);
    });

    it('is available as a service with an explicit clock', async () => {
      const { pruned } = await t.app
        .get(RunRetentionService)
        .prune(new Date(Date.now() - 365 * 24 * 60 * MINUTE));
      expect(pruned).toBe(0);
    });
  });

  describe('Redis unreachable at dispatch', () => {
    let down: TestApp;
    beforeAll(async () => {
      down = await startTestApp(
        { APP_ROLES: 'api', REDIS_URL: 'redis://127.0.0.1:1' },
        { probes: true },
      );
    });
    afterAll(() => down?.close());

    it('answers 503 naming the run, which exists as failed dispatch.failed', async () => {
      const ws = await down.world.workspace();
      const tn = await ws.tenant();
      const user = await ws.member('operator');
      const response = await down.http.post(`/probe/tenants/${tn.id}/active`, {
        token: user.token,
        body: { key: 'k' },
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const runId = response.body.runId;
      expect(response.body).toMatchObject({
        code: 'dispatch.failed',
        instance: `/operations/${runId}`,
      });
      const run = await down.http.get(`/operations/${runId}`, { token: user.token });
      expect(run.body).toMatchObject({
        status: 'completed',
        outcome: 'failed',
        failures: [{ code: 'dispatch.failed' }],
      });
      // The identity is free again: the next start (once Redis is back) is a new run.
      const rows = await down.db.query(
        `SELECT count(*)::int AS n FROM operation_runs WHERE workspace_id = $1 AND status <> 'completed'`,
        [ws.id],
      );
      expect(rows).toEqual([{ n: 0 }]);
      // And no job reached the real Redis under this app's prefix.
      const redis = new Redis(TEST_REDIS_URL);
      try {
        expect(await redis.keys(`${down.config.redis.prefix}:*`)).toEqual([]);
      } finally {
        redis.disconnect();
      }
    });

    it('fails each start of a batch on its own run', async () => {
      const ws = await down.world.workspace();
      const tn = await ws.tenant();
      const runs = down.app.get(OperationRunsService);
      const outcomes = await Promise.allSettled(
        ['a', 'b', 'c'].map((key) =>
          runs.start({
            type: 'probe_request',
            workspaceId: ws.id,
            tenantId: tn.id,
            inputs: { key },
            initiator: null,
          }),
        ),
      );
      const ids = outcomes.map((outcome) => {
        expect(outcome.status).toBe('rejected');
        const { code, extensions } = (outcome as PromiseRejectedResult).reason;
        expect(code).toBe('dispatch.failed');
        return extensions.runId as string;
      });
      expect(new Set(ids).size).toBe(3);
      const rows = await down.db.query(
        `SELECT DISTINCT status, outcome, failures -> 0 ->> 'code' AS code
         FROM operation_runs WHERE id = ANY($1)`,
        [ids],
      );
      expect(rows).toEqual([{ status: 'completed', outcome: 'failed', code: 'dispatch.failed' }]);
    });
  });
});
