import { OperationRunsService } from '#libs/operation-runs';
import { eventually } from '../support/eventually.js';
import {
  graphEnvironment,
  SIM_CLIENT_SECRET,
  startAppWithSim,
  type TestSim,
} from '../support/graph-sim.js';
import { freePort, startNode, type RunningProcess } from '../support/processes.js';
import { waitForRun } from '../support/runs.js';
import { testEnvironment, type TestApp } from '../support/test-app.js';

/** A worker told to stop (`SIGTERM`, as a deploy or a scale-in does) finishes its runs first. */
describe('graceful-stop', () => {
  let sim: TestSim;
  let t: TestApp;
  let close: () => Promise<void>;
  let worker: RunningProcess | undefined;

  beforeAll(async () => {
    // This process only serves HTTP; the run executes in a separate worker process.
    ({ sim, t, close } = await startAppWithSim({ APP_ROLES: 'api' }));
  });
  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await close?.();
  });

  it('lets a run in the middle of its Graph calls complete before it exits', async () => {
    const workspace = await t.world.workspace();
    const operator = await workspace.member('operator');
    const tenant = await workspace.tenant({ clientSecret: SIM_CLIENT_SECRET });
    // Each Graph answer takes a while: the stop comes while the run waits for the first of several.
    await sim.control.faults(tenant.entraTenantId, { latencyMs: 1000 });
    worker = startNode(
      'dist/src/main.js',
      testEnvironment(
        t.db.url,
        graphEnvironment(sim, {
          APP_ROLES: 'worker',
          // One Graph request at a time: the run's next requests wait while one is answered.
          GRAPH_CONCURRENCY_PER_TENANT: '1',
          PORT: String(await freePort()),
          REDIS_PREFIX: t.config.redis.prefix,
        }),
      ),
    );
    await worker.output(/application successfully started/);

    const { run } = await t.app.get(OperationRunsService).start({
      type: 'inventory_sync',
      workspaceId: workspace.id,
      tenantId: tenant.id,
      inputs: { policyTypes: ['compliance_policy', 'device_configuration', 'settings_catalog'] },
      initiator: null,
    });
    const inFlight = () => Promise.resolve(sim.tenant(tenant.entraTenantId).inFlight);
    expect(await eventually(inFlight, 60_000, (n) => n > 0)).toBeGreaterThan(0);

    await worker.stop('SIGTERM');
    // Completed by the stopping worker: nothing is left for another to take over or retry.
    expect(await t.db.query('SELECT status FROM operation_runs WHERE id = $1', [run.id])).toEqual([
      { status: 'completed' },
    ]);
    expect(await waitForRun(t.http, operator.token, run.id)).toMatchObject({
      outcome: 'succeeded',
      attempts: 1,
      failures: [],
    });
  });
});
