import { randomUUID } from 'node:crypto';
import { GraphClient } from '#libs/graph';
import type { SimThrottleStats } from '#libs/graph-sim';
import { OperationRunsService, type RunType } from '#libs/operation-runs';
import { eventually } from '../support/eventually.js';
import { SIM_CLIENT_SECRET, startAppWithSim, type TestSim } from '../support/graph-sim.js';
import { GraphProbeRunsModule } from '../support/graph-probe-runs.module.js';
import type { TestApp } from '../support/test-app.js';
import type { WorkspaceBuilder } from '../support/world.js';

/**
 * Execution at fleet scale: the worker's process-wide budget shared by every queue, one heartbeat
 * statement for all the runs of a process, and Graph's throttling honoured per tenant by every
 * request of the process (with the simulated Graph's per-tenant token bucket).
 */
describe('fleet-execution', () => {
  const BUDGET = 3;
  const PER_TENANT = 4;
  const PER_PROCESS = 6;

  let sim: TestSim;
  let t: TestApp;
  let close: () => Promise<void>;
  let workspace: WorkspaceBuilder;

  beforeAll(async () => {
    ({ sim, t, close } = await startAppWithSim(
      {
        WORKER_CONCURRENCY: String(BUDGET),
        GRAPH_CONCURRENCY_PER_TENANT: String(PER_TENANT),
        GRAPH_CONCURRENCY_PER_PROCESS: String(PER_PROCESS),
      },
      { probes: true, extraModules: [GraphProbeRunsModule] },
    ));
    workspace = await t.world.workspace();
  });
  afterAll(() => close?.());

  const simTenant = () => workspace.tenant({ clientSecret: SIM_CLIENT_SECRET });

  function start<T extends RunType>(type: T, tenantId: string, inputs: object) {
    return t.app.get(OperationRunsService).start({
      type,
      workspaceId: workspace.id,
      tenantId,
      inputs: inputs as never,
      initiator: null,
    });
  }

  type RunRow = { id: string; status: string; startedAt: Date; heartbeatAt: Date };
  const rowsOf = (ids: string[]) =>
    t.db.query<RunRow>(
      `SELECT id, status, started_at AS "startedAt", heartbeat_at AS "heartbeatAt"
       FROM operation_runs WHERE id = ANY($1)`,
      [ids],
    );

  describe('the worker budget', () => {
    it('is shared by every queue: never more runs at once than WORKER_CONCURRENCY, all queues together', async () => {
      const tenant = await simTenant();
      // Each Graph answer takes 400 ms: a probe_graph run (queue probe_graph) lasts over a second.
      await sim.control.faults(tenant.entraTenantId, { latencyMs: 400 });
      const runs = [
        ...(await Promise.all(
          [1, 2, 3].map(() =>
            start('probe_graph', tenant.id, {
              key: randomUUID(),
              resource: 'deviceConfigurations',
            }),
          ),
        )),
        ...(await Promise.all(
          [1, 2, 3].map(() =>
            start('probe_active', tenant.id, { key: randomUUID(), work: { sleepMs: 1200 } }),
          ),
        )),
      ].map((started) => started.run.id);
      let most = 0;
      const types = new Set<string>();
      for (const deadline = Date.now() + 45_000; Date.now() < deadline;) {
        const rows = await t.db.query<{ type: string; status: string }>(
          `SELECT type, status FROM operation_runs WHERE id = ANY($1)`,
          [runs],
        );
        const running = rows.filter((row) => row.status === 'running');
        most = Math.max(most, running.length);
        for (const row of running) types.add(row.type);
        if (rows.every((row) => row.status === 'completed')) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const outcomes = await t.db.query<{ outcome: string }>(
        `SELECT outcome FROM operation_runs WHERE id = ANY($1)`,
        [runs],
      );
      expect(outcomes.map((row) => row.outcome)).toEqual(Array(6).fill('succeeded'));
      expect(most).toBe(BUDGET);
      expect([...types].sort()).toEqual(['probe_active', 'probe_graph']);
    });
  });

  describe('run bookkeeping', () => {
    it('heartbeats every running run of the process with one statement', async () => {
      const tenant = await simTenant();
      const runs = (
        await Promise.all(
          [1, 2, 3].map(() =>
            start('probe_active', tenant.id, { key: randomUUID(), work: { sleepMs: 6000 } }),
          ),
        )
      ).map((started) => started.run.id);
      // One statement stamps every row it updates with the same now() (its transaction's start):
      // after a heartbeat that covered all three, they share one heartbeat_at, later than any claim.
      const shared = await eventually(async () => {
        const rows = await rowsOf(runs);
        if (rows.length !== 3 || rows.some((row) => row.status !== 'running')) return null;
        const claimed = Math.max(...rows.map((row) => row.startedAt.getTime()));
        const beats = new Set(rows.map((row) => row.heartbeatAt.getTime()));
        return beats.size === 1 && [...beats][0]! > claimed ? rows : null;
      }, 5000);
      expect(shared).toBeTruthy();
      const done = await eventually(async () => {
        const rows = await rowsOf(runs);
        return rows.every((row) => row.status === 'completed') ? rows : null;
      }, 20_000);
      expect(done).toBeTruthy();
    });
  });

  describe('Graph throttling', () => {
    const throttle = (entra: string, limit: object) =>
      sim.control.call('PUT', `${entra}/throttle`, limit);
    const stats = (entra: string) => sim.control.call<SimThrottleStats>('GET', `${entra}/throttle`);

    it('holds every request of a tenant after a 429 until its Retry-After has passed', async () => {
      const tenant = await simTenant();
      const graph = t.app.get(GraphClient).forTenant(tenant.id);
      await graph.list('deviceCompliancePolicies'); // the token, and the tenant made, before the limit
      await sim.control.faults(tenant.entraTenantId, { latencyMs: 50 });
      await throttle(tenant.entraTenantId, { requests: 4, windowSeconds: 1 });
      const pages = await Promise.all(
        Array.from({ length: 16 }, () => graph.list('deviceCompliancePolicies')),
      );
      expect(pages.every((page) => page.items.length > 0)).toBe(true);
      const seen = await stats(tenant.entraTenantId);
      expect(seen.throttled).toBeGreaterThan(0);
      expect(seen.windows).toBeGreaterThan(0);
      // Inside a window only the requests already in flight when the first 429 was answered may
      // arrive (at most PER_TENANT − 1): nothing the client sent after reading it.
      for (const arrivals of seen.arrivalsInWindows) expect(arrivals).toBeLessThan(PER_TENANT);
    });

    it('holds back only the tenant Graph throttled', async () => {
      const [held, free] = await Promise.all([simTenant(), simTenant()]);
      const client = t.app.get(GraphClient);
      await Promise.all(
        [held, free].map((tenant) => client.forTenant(tenant.id).list('deviceCompliancePolicies')),
      );
      await sim.control.schedule(held.entraTenantId, { status: 429, count: 1, retryAfter: '3' });
      let heldDone = false;
      const heldRead = client
        .forTenant(held.id)
        .list('deviceCompliancePolicies')
        .then((page) => ((heldDone = true), page));
      await eventually(async () =>
        (await sim.control.requests(held.entraTenantId)).requests.some((r) => r.status === 429),
      );
      // The held tenant waits its 3 s; the other tenant's requests go meanwhile.
      await client.forTenant(free.id).list('deviceCompliancePolicies');
      expect(heldDone).toBe(false);
      expect((await heldRead).items.length).toBeGreaterThan(0);
    });

    it('keeps the process within GRAPH_CONCURRENCY_PER_PROCESS, all tenants together', async () => {
      const tenants = await Promise.all([1, 2, 3].map(() => simTenant()));
      const client = t.app.get(GraphClient);
      for (const tenant of tenants) {
        await client.forTenant(tenant.id).list('deviceCompliancePolicies');
        await sim.control.faults(tenant.entraTenantId, { latencyMs: 150 });
      }
      sim.resetLoad();
      await Promise.all(
        tenants.flatMap((tenant) =>
          Array.from({ length: PER_TENANT }, () =>
            client.forTenant(tenant.id).list('deviceCompliancePolicies'),
          ),
        ),
      );
      // 12 requests wanted at once (3 tenants × 4 each); the process lets 6 go at a time.
      expect(sim.load().maxInFlight).toBe(PER_PROCESS);
    });
  });
});
