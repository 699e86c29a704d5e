import type { Queue } from 'bull';
import type { Tenant } from '#libs/tenancy';
import type { GraphResource } from '#libs/graph';
import { POLICY_TYPES } from '#libs/policies';
import { RunDispatcher } from '../../libs/operation-runs/run-dispatcher.js';
import { eventually } from '../support/eventually.js';
import {
  graphEnvironment,
  SIM_CLIENT_SECRET,
  startSim,
  type TestSim,
} from '../support/graph-sim.js';
import { startNode, type RunningProcess } from '../support/processes.js';
import { RestoreSteps } from '../support/restore.js';
import { waitForRun } from '../support/runs.js';
import { startTestApp, testEnvironment, type TestApp } from '../support/test-app.js';
import type { TestUser, WorkspaceBuilder } from '../support/world.js';

describe('restore-resume', () => {
  /**
   * A restore that does not finish in one go — its worker killed mid-way, a create whose answer
   * Graph lost — resumes and never creates a policy twice. Runs execute in separate worker
   * processes (this one only serves HTTP), so that one can be killed.
   */
  let sim: TestSim;
  let t: TestApp;
  let workspace: WorkspaceBuilder;
  let owner: TestUser;
  let steps: RestoreSteps;
  const workers: RunningProcess[] = [];

  function startWorker(): Promise<RunningProcess> {
    const env = {
      ...testEnvironment(t.db.url, graphEnvironment(sim)),
      REDIS_PREFIX: t.config.redis.prefix,
      APP_ROLES: 'worker',
    };
    const worker = startNode('dist/src/main.js', env);
    workers.push(worker);
    return worker
      .output(
        /Consuming run queue[^\n]*"queue":"restore"|"queue":"restore"[^\n]*Consuming run queue/,
        60_000,
      )
      .then(() => worker);
  }

  beforeAll(async () => {
    sim = await startSim();
    t = await startTestApp(graphEnvironment(sim, { APP_ROLES: 'api' }));
    workspace = await t.world.workspace();
    owner = await workspace.member('owner');
    steps = new RestoreSteps(t, owner.token);
  }, 60_000);
  afterAll(async () => {
    for (const worker of workers) await worker.stop('SIGKILL');
    await t?.close();
    await sim?.close();
  });

  /** A tenant whose policies were backed up, then all deleted from Graph: a restore makes each again. */
  async function emptiedTenant(types: (keyof typeof POLICY_TYPES)[], perType: number) {
    const tenant = await workspace.tenant({ clientSecret: SIM_CLIENT_SECRET });
    await sim.control.sizes(tenant.entraTenantId, { policies: perType });
    await steps.sync(tenant, ['groups']);
    const set = await steps.backup(tenant, types);
    for (const item of set.items) {
      const resource = POLICY_TYPES[item.policyType as keyof typeof POLICY_TYPES].resource;
      await sim.control.remove(tenant.entraTenantId, resource, item.policyId);
    }
    await steps.sync(tenant, ['inventory']);
    return { tenant, set };
  }

  /** How many policies of each name the simulated tenant has, over the restored types. */
  function namesInGraph(tenant: Tenant, set: any): Map<string, number> {
    const counts = new Map<string, number>();
    const resources = new Set<GraphResource>(
      set.items.map(
        (item: any) => POLICY_TYPES[item.policyType as keyof typeof POLICY_TYPES].resource,
      ),
    );
    for (const resource of resources) {
      for (const policy of sim.tenant(tenant.entraTenantId).items(resource)) {
        const name = String(policy.displayName ?? policy.name);
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
    }
    return counts;
  }

  function expectEachOnce(tenant: Tenant, set: any, restore: any) {
    const counts = namesInGraph(tenant, set);
    for (const item of set.items)
      expect({ name: item.displayName, count: counts.get(item.displayName) }).toEqual({
        name: item.displayName,
        count: 1,
      });
    expect(restore.items).toHaveLength(set.items.length);
    for (const item of restore.items) {
      expect({ position: item.position, result: item.result }).toEqual({
        position: item.position,
        result: 'created',
      });
    }
  }

  /**
   * Bull hands the job of a worker that died to another worker once the job's lock has expired
   * (`lockDuration`, 30 s) at its next stalled-job check (every 30 s). The test does both now:
   * the lock goes, and two checks run (the first marks the job as possibly stalled, the second
   * moves it back to wait), as the liveness tests fast-forward the sweep's clock.
   */
  async function redeliverStalled(queue: Queue, jobId: string): Promise<void> {
    await queue.client.del(`${queue.toKey(jobId)}:lock`);
    for (let check = 0; check < 2; check++) {
      await queue.client.del(queue.toKey('stalled-check'));
      // Bull's own stalled-job check (not in its type definitions).
      await (queue as Queue & { moveUnlockedJobsToWait(): Promise<void> }).moveUnlockedJobsToWait();
    }
  }

  describe('a worker killed mid-restore', () => {
    it('leaves a run that the next delivery takes over: every policy once, every item one result', async () => {
      const first = await startWorker();
      const { tenant, set } = await emptiedTenant(
        ['device_configuration', 'compliance_policy', 'settings_catalog'],
        6,
      );
      // Each Graph answer takes 150 ms, so the restore is still writing when its worker dies.
      await sim.control.faults(tenant.entraTenantId, { latencyMs: 150 });
      const created = await steps.create(tenant, {
        sourceBackupSetId: set.id,
        includeAssignments: false,
      });
      expect(created.body.preview.counts).toMatchObject({ create: set.items.length });
      const started = await steps.execute(tenant, created.body.id);
      expect(started.status).toBe(202);
      const runId = started.body.run.id;

      await eventually(async () => {
        const [row] = await t.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM restore_run_items WHERE restore_run_id = $1 AND result IS NOT NULL`,
          [created.body.id],
        );
        return row!.n >= 3;
      }, 30_000);
      await first.stop('SIGKILL');
      const [halfway] = await t.db.query<{ done: number; creating: number }>(
        `SELECT count(*) FILTER (WHERE result IS NOT NULL)::int AS done,
              count(*) FILTER (WHERE state = 'creating')::int AS creating
         FROM restore_run_items WHERE restore_run_id = $1`,
        [created.body.id],
      );
      expect(halfway!.done).toBeLessThan(set.items.length);
      // Killed with creates in flight: Graph may have made them, their answers are lost.
      expect(halfway!.creating).toBeGreaterThan(0);

      // The run is still `running`, held by a dead worker; Bull gives its job to the next worker.
      await redeliverStalled(t.app.get(RunDispatcher).queue('restore'), runId);
      await startWorker();
      const run = await waitForRun(t.http, owner.token, runId, 60_000);
      expect(run).toMatchObject({
        outcome: 'succeeded',
        summaryCounts: { total: set.items.length, created: set.items.length },
      });
      expect(run.attempts).toBeGreaterThanOrEqual(2);
      const restore = (await steps.get(tenant, created.body.id)).body;
      expect(restore).toMatchObject({ status: 'completed', outcome: 'succeeded' });
      expectEachOnce(tenant, set, restore);
      await sim.control.clearFaults(tenant.entraTenantId);
    }, 180_000);
  });

  describe('a create whose answer Graph lost', () => {
    it('is found again by its marker on the retry, not created twice; nor are definition values', async () => {
      await (workers.length ? Promise.resolve() : startWorker());
      const { tenant, set } = await emptiedTenant(
        ['device_configuration', 'administrative_template'],
        2,
      );
      const entra = tenant.entraTenantId;
      // Graph applies the write, then answers 503: the create, and a definition value.
      for (const match of ['/deviceManagement/deviceConfigurations', '/definitionValues']) {
        await sim.control.schedule(entra, {
          status: 503,
          count: 1,
          match,
          method: 'POST',
          afterWrite: true,
        });
      }
      const created = await steps.create(tenant, {
        sourceBackupSetId: set.id,
        includeAssignments: false,
      });
      await sim.control.clearRequests(entra);
      const started = await steps.execute(tenant, created.body.id);
      const run = await waitForRun(t.http, owner.token, started.body.run.id, 90_000);
      expect(run).toMatchObject({
        outcome: 'succeeded',
        failures: [],
        summaryCounts: { total: set.items.length, created: set.items.length },
      });
      expect(run.attempts).toBeGreaterThanOrEqual(2);
      const restore = (await steps.get(tenant, created.body.id)).body;
      expectEachOnce(tenant, set, restore);

      // Each restored template holds its values once, as backed up.
      for (const item of set.items.filter((i: any) => i.policyType === 'administrative_template')) {
        const target = restore.items.find((i: any) => i.policyId === item.policyId).targetPolicyId;
        const values = sim
          .tenant(entra)
          .relatedItems('groupPolicyConfigurations', target, 'definitionValues');
        expect(values).toHaveLength(item.content.definitionValues.length);
      }
      // The collection was listed (to look for the markers) only by the attempt that resumed —
      // before the inventory sync the restore starts at its end lists it again.
      const sync = await waitForRun(t.http, owner.token, run.context.inventorySyncRunId, 30_000);
      const requests = (await sim.control.requests(entra)).requests.filter(
        (r) => r.at < Date.parse(sync.startedAt),
      );
      const lost = requests.findIndex((r) => r.method === 'POST' && r.status === 503);
      const listings = requests.filter(
        (r) => r.method === 'GET' && /\/deviceConfigurations\?/.test(r.path),
      );
      expect(requests.filter((r) => r.method === 'POST' && r.status === 503)).toHaveLength(2);
      expect(lost).toBeGreaterThanOrEqual(0);
      expect(listings).toHaveLength(1);
      expect(requests.indexOf(listings[0]!)).toBeGreaterThan(lost);
    }, 120_000);
  });
});
