import { randomUUID } from 'node:crypto';
import type { Tenant } from '#libs/tenancy';
import { RunDispatcher } from '../../libs/operation-runs/run-dispatcher.js';
import { startNode, type RunningProcess } from '../support/processes.js';
import { waitForStatus } from '../support/runs.js';
import { startTestApp, testEnvironment, type TestApp } from '../support/test-app.js';
import type { TestUser } from '../support/world.js';

/**
 * Never a dead end: a start whose active identity is held by a run that can no longer finish
 * fails that run (as the sweep would) and makes the new one. This process serves HTTP only: no
 * worker runs the jobs, unless a test starts one as a separate process.
 */
describe('never-a-dead-end', () => {
  let t: TestApp;
  let tenant: Tenant;
  let manager: TestUser;
  let operator: TestUser;
  let worker: RunningProcess | undefined;

  beforeAll(async () => {
    t = await startTestApp({ APP_ROLES: 'api' }, { probes: true });
    const stage = await t.world.tenantWithMember('manager');
    ({ tenant, member: manager } = stage);
    operator = await stage.workspace.member('operator');
  });
  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await t?.close();
  });

  const verify = () =>
    t.http.post(`/tenants/${tenant.id}/connection/verify`, { token: manager.token });

  /** As if `seconds` had passed since the run was created and last heartbeat. */
  async function age(runId: string, seconds: number): Promise<void> {
    await t.db.query(
      `UPDATE operation_runs
        SET created_at = created_at - make_interval(secs => $2),
            heartbeat_at = heartbeat_at - make_interval(secs => $2)
      WHERE id = $1`,
      [runId, seconds],
    );
  }

  const runRow = async (id: string) =>
    (
      await t.db.query<{ status: string; outcome: string; failures: any[] }>(
        'SELECT status, outcome, failures FROM operation_runs WHERE id = $1',
        [id],
      )
    )[0]!;

  describe('a queued run whose job is gone', () => {
    it('is replaced by the next start after a short grace, once however many starts race for it', async () => {
      const first = await verify();
      expect(first.status).toBe(202);
      const stuck = first.body.run.id as string;

      // Within the grace, and past it while Bull still holds its job (a worker may yet run it):
      // the start finds that run.
      expect((await verify()).body).toMatchObject({ deduplicated: true, run: { id: stuck } });
      await age(stuck, 120);
      expect((await verify()).body).toMatchObject({ deduplicated: true, run: { id: stuck } });

      // Redis loses the job (as when it restarts without its data): nothing will ever run it.
      const queue = t.app.get(RunDispatcher).queue('onboarding');
      await (await queue.getJob(stuck))!.remove();

      const answers = await Promise.all(Array.from({ length: 50 }, () => verify()));
      const ids = new Set(answers.map((answer) => answer.body.run.id));
      expect(ids.size).toBe(1);
      const [replacement] = [...ids];
      expect(replacement).not.toBe(stuck);
      expect(answers.filter((answer) => answer.status === 202)).toHaveLength(1);
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(49);
      for (const answer of answers) {
        expect(answer.body.run).toMatchObject({
          status: 'queued',
          type: 'provider_connection_verify',
        });
      }

      expect(await runRow(stuck)).toMatchObject({
        status: 'completed',
        outcome: 'failed',
        failures: [{ code: 'run.stale_queued' }],
      });
      const runs = await t.db.query(
        'SELECT id FROM operation_runs WHERE tenant_id = $1 AND type = $2',
        [tenant.id, 'provider_connection_verify'],
      );
      expect(runs.map((row: any) => row.id).sort()).toEqual([stuck, replacement].sort());
      // The new run's job is queued for a worker.
      expect(
        await t.app
          .get(RunDispatcher)
          .hasPendingJob({ id: replacement, type: 'provider_connection_verify' }),
      ).toBe(true);
      // And the tenant shows it.
      const shown = await t.http.get(`/tenants/${tenant.id}`, { token: operator.token });
      expect(shown.body.lastRuns.provider_connection_verify).toMatchObject({
        id: replacement,
        status: 'queued',
      });
      expect(shown.body.connection.status).toBe('verifying');
    });
  });

  describe('a running run whose worker is gone', () => {
    it('is failed as worker.lost by the next start once RUN_LOST_MINUTES pass without a heartbeat', async () => {
      const env = { ...testEnvironment(t.db.url), REDIS_PREFIX: t.config.redis.prefix };
      worker = startNode('dist/test/support/probe-process.js', env, ['worker']);
      await worker.output(/worker ready/);
      const key = `lost-${randomUUID()}`;
      const start = () =>
        t.http.post(`/probe/tenants/${tenant.id}/active`, {
          token: operator.token,
          body: { key, work: { sleepMs: 120_000 } },
        });
      const first = await start();
      expect(first.status).toBe(202);
      const lost = first.body.run.id as string;
      await waitForStatus(t.http, operator.token, lost, 'running');
      await worker.stop('SIGKILL');
      worker = undefined;

      // Its last heartbeat is recent: it may be a slow worker, not a dead one.
      expect((await start()).body).toMatchObject({ deduplicated: true, run: { id: lost } });
      await age(lost, 11 * 60);
      const replaced = await start();
      expect(replaced.status).toBe(202);
      expect(replaced.body.run.id).not.toBe(lost);
      expect(await runRow(lost)).toMatchObject({
        status: 'completed',
        outcome: 'failed',
        failures: [{ code: 'worker.lost' }],
      });
    });
  });
});
