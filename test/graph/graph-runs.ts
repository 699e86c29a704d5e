import { randomUUID } from 'node:crypto';
import { OperationRunsService } from '#libs/operation-runs';
import { SIM_CLIENT_SECRET, startAppWithSim, type TestSim } from '../support/graph-sim.js';
import { GraphProbeRunsModule } from '../support/graph-probe-runs.module.js';
import { waitForRun } from '../support/runs.js';
import type { TestApp } from '../support/test-app.js';
import type { TestUser, WorkspaceBuilder } from '../support/world.js';

describe('graph-runs', () => {
  const MAX_ATTEMPTS = 2;

  let sim: TestSim;
  let t: TestApp;
  let close: () => Promise<void>;
  let workspace: WorkspaceBuilder;
  let operator: TestUser;

  beforeAll(async () => {
    ({ sim, t, close } = await startAppWithSim(
      { GRAPH_MAX_ATTEMPTS: String(MAX_ATTEMPTS), LOG_LEVEL: 'trace' },
      { extraModules: [GraphProbeRunsModule] },
    ));
    workspace = await t.world.workspace();
    operator = await workspace.member('operator');
  });
  afterAll(() => close?.());

  /** Starts a Graph probe run for a fresh tenant and waits until it is completed. */
  async function graphRun(
    options: { clientSecret?: string; prepare?: (entra: string) => Promise<unknown> } = {},
  ) {
    const tenant = await workspace.tenant({
      clientSecret: options.clientSecret ?? SIM_CLIENT_SECRET,
    });
    await options.prepare?.(tenant.entraTenantId);
    const { run } = await t.app.get(OperationRunsService).start({
      type: 'probe_graph',
      workspaceId: workspace.id,
      tenantId: tenant.id,
      inputs: { key: randomUUID(), resource: 'groups' },
      initiator: null,
    });
    return { run: await waitForRun(t.http, operator.token, run.id), entra: tenant.entraTenantId };
  }

  const groupRequests = async (entra: string) =>
    (await sim.control.requests(entra)).requests.filter((r) => r.path.startsWith('/v1.0/groups'));

  describe('a Graph failure inside a run', () => {
    it('lets a run that reads Graph succeed with its counts', async () => {
      const { run } = await graphRun();
      expect(run).toMatchObject({
        outcome: 'succeeded',
        attempts: 1,
        summaryCounts: { total: 250, succeeded: 250 },
      });
    });

    it('ends the run at once as graph.unauthorized for a wrong secret, which appears nowhere', async () => {
      const secret = `wrong-${randomUUID()}`;
      const { run } = await graphRun({ clientSecret: secret });
      expect(run).toMatchObject({
        outcome: 'failed',
        attempts: 1,
        failures: [
          { code: 'graph.unauthorized', message: expect.stringContaining('AADSTS7000215') },
        ],
      });
      expect(JSON.stringify(run)).not.toContain(secret);
      for (const line of t.logs) expect(line).not.toContain(secret);
    });

    it('ends the run at once as graph.forbidden when the app lacks a permission', async () => {
      const { run, entra } = await graphRun({
        prepare: (entra) =>
          sim.control.schedule(entra, { status: 403, count: 10, match: '/groups' }),
      });
      expect(run).toMatchObject({
        outcome: 'failed',
        attempts: 1,
        failures: [{ code: 'graph.forbidden' }],
      });
      expect(await groupRequests(entra)).toHaveLength(1);
    });

    it('retries the run on graph.unavailable, then fails it with that code', async () => {
      const { run, entra } = await graphRun({
        prepare: (entra) =>
          sim.control.schedule(entra, { status: 503, count: 100, match: '/groups' }),
      });
      expect(run).toMatchObject({
        outcome: 'failed',
        attempts: 2,
        failures: expect.arrayContaining([expect.objectContaining({ code: 'graph.unavailable' })]),
      });
      // Each of the run's two attempts spent the client's bounded attempts.
      expect(await groupRequests(entra)).toHaveLength(2 * MAX_ATTEMPTS);
    });

    it('retries the run after graph.throttled, and the second attempt succeeds', async () => {
      const { run } = await graphRun({
        prepare: (entra) =>
          sim.control.schedule(entra, {
            status: 429,
            count: MAX_ATTEMPTS,
            retryAfter: '0.01',
            match: '/groups',
          }),
      });
      expect(run).toMatchObject({
        outcome: 'succeeded',
        attempts: 2,
        summaryCounts: { total: 250 },
      });
    });
  });
});
